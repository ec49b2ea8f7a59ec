import { QueueEvents } from 'bullmq';
import { z } from 'zod';
import { createRedis, defineJob, startWorkers, UnrecoverableError, type WorkerHost } from '../../src/queue';
import { createTestContext, type TestContext } from '../support/context';

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15000): Promise<T> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() - start > timeoutMs) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('queue wiring on real Redis', () => {
  let ctx: TestContext;
  let host: WorkerHost | undefined;
  const performed: string[] = [];
  let attemptsSeen = 0;

  const greet = defineJob({
    name: 'test.greet',
    queue: 'notify',
    schema: z.object({ who: z.string() }),
    async perform(payload) {
      performed.push(payload.who);
      return `hello ${payload.who}`;
    },
  });
  const flaky = defineJob({
    name: 'test.always-fails',
    queue: 'notify',
    schema: z.object({ n: z.number() }),
    options: { attempts: 3, backoff: { type: 'exponential', delay: 50 } },
    async perform() {
      attemptsSeen += 1;
      throw new Error('downstream is broken');
    },
  });
  const poison = defineJob({
    name: 'test.poison',
    queue: 'notify',
    schema: z.object({ n: z.number() }),
    async perform() {
      throw new UnrecoverableError('payload can never succeed');
    },
  });

  let workerRedis: ReturnType<typeof createRedis>;
  beforeAll(async () => {
    ctx = await createTestContext();
    workerRedis = createRedis(ctx.config.REDIS_URL, 'worker');
    host = startWorkers(ctx, { jobs: [greet, flaky, poison], concurrency: 2, connection: workerRedis });
  });
  afterAll(async () => {
    await host?.close(5000);
    workerRedis.disconnect();
    await ctx.close();
  });

  it('runs a job through real Redis and returns its result', async () => {
    const eventsRedis = createRedis(ctx.config.REDIS_URL, 'worker');
    const events = new QueueEvents('notify', { connection: eventsRedis, prefix: ctx.config.QUEUE_PREFIX });
    await events.waitUntilReady();
    const id = await ctx.queues.enqueue(greet, { who: 'Ada' });
    const job = await ctx.queues.get('notify').getJob(id);
    await expect(job!.waitUntilFinished(events, 10000)).resolves.toBe('hello Ada');
    expect(performed).toContain('Ada');
    await events.close();
    eventsRedis.disconnect();
  });

  it('makes enqueueing idempotent by job id', async () => {
    await ctx.queues.enqueue(greet, { who: 'Grace' }, { jobId: 'greet:grace' });
    await ctx.queues.enqueue(greet, { who: 'Grace' }, { jobId: 'greet:grace' });
    await eventually(async () => performed.filter((w) => w === 'Grace').length, (n) => n >= 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(performed.filter((w) => w === 'Grace')).toHaveLength(1);
  });

  it('retries a failing job with backoff, then dead-letters it with the reason', async () => {
    const id = await ctx.queues.enqueue(flaky, { n: 1 }, { jobId: 'flaky-1' });
    const letters = await eventually(
      () => ctx.database.db.selectFrom('dead_letters').selectAll().where('job_id', '=', id).execute(),
      (rows) => rows.length > 0,
    );
    expect(attemptsSeen).toBe(3);
    expect(letters).toEqual([expect.objectContaining({ queue: 'notify', job_name: 'test.always-fails', reason: 'downstream is broken', attempts: 3, payload: { n: 1 } })]);
  });

  it('dead-letters a poison job at once while other jobs keep flowing', async () => {
    const poisonId = await ctx.queues.enqueue(poison, { n: 2 });
    await ctx.queues.enqueue(greet, { who: 'Linus' });
    const letters = await eventually(
      () => ctx.database.db.selectFrom('dead_letters').selectAll().where('job_id', '=', poisonId).execute(),
      (rows) => rows.length > 0,
    );
    expect(letters[0]).toMatchObject({ attempts: 1, reason: 'payload can never succeed' });
    await eventually(async () => performed, (p) => p.includes('Linus'));
    expect(performed).toContain('Linus');
  });

  it('refuses an invalid payload at enqueue time (a caller bug)', async () => {
    await expect(ctx.queues.enqueue(greet, { who: 42 } as never)).rejects.toThrow(TypeError);
  });
});
