import { z } from 'zod';
import { createRedis, defineJob, startWorkers, type WorkerHost } from '../../src/queue';
import { createTestContext, type TestContext } from '../support/context';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** On real Redis and BullMQ: a notify job waits while an evaluate job runs in the same process. */
describe('foreground and background lanes', () => {
  let ctx: TestContext;
  let host: WorkerHost | undefined;
  let workerRedis: ReturnType<typeof createRedis>;
  const events: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));

  const evaluate = defineJob({
    name: 'test.lane-evaluate',
    queue: 'evaluate',
    schema: z.object({}),
    async perform() {
      events.push('evaluate started');
      await released;
      events.push('evaluate done');
    },
  });
  const notify = defineJob({
    name: 'test.lane-notify',
    queue: 'notify',
    schema: z.object({}),
    async perform() {
      events.push('notify ran');
    },
  });

  beforeAll(async () => {
    ctx = await createTestContext();
    workerRedis = createRedis(ctx.config.REDIS_URL, 'worker');
    host = startWorkers(ctx, { jobs: [evaluate, notify], concurrency: 2, connection: workerRedis, backgroundMaxWaitMs: 20_000 });
  });
  afterAll(async () => {
    release();
    await host?.close(5000);
    workerRedis.disconnect();
    await ctx.close();
  });

  it('runs the notify job only once the evaluate job has finished', async () => {
    await ctx.queues.enqueue(evaluate, {});
    for (let i = 0; i < 200 && !events.includes('evaluate started'); i++) await sleep(50);
    expect(events).toEqual(['evaluate started']);
    await ctx.queues.enqueue(notify, {});
    // Taken by its worker (active), but held while the evaluate job runs.
    for (let i = 0; i < 200 && (await ctx.queues.get('notify').getActiveCount()) === 0; i++) await sleep(50);
    await sleep(300);
    expect(events).toEqual(['evaluate started']);
    release();
    for (let i = 0; i < 200 && !events.includes('notify ran'); i++) await sleep(50);
    expect(events).toEqual(['evaluate started', 'evaluate done', 'notify ran']);
  });
});
