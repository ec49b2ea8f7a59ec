import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { projectRoot } from '../../src/paths';
import { relayOutbox, Subscriptions } from '../../src/domain-events';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { requireEnv } from '../support/db';
import { createTestContext, type TestContext } from '../support/context';

/**
 * A real process death between the commit and the queue add: a child process (the compiled code, as
 * production runs it) records `award.revoked` in a transaction, commits, and is killed with SIGKILL
 * before it can carry the event. The relay, in this process, delivers it.
 */
const dist = join(projectRoot, 'dist', 'src');
const built = existsSync(join(dist, 'domain-events', 'index.js'));
jest.setTimeout(60_000);

// The child: commit, then die at once (no carry, no cleanup, no graceful close).
const CHILD = `
const { createDatabase } = require(${JSON.stringify(join(dist, 'db'))});
const { record } = require(${JSON.stringify(join(dist, 'domain-events'))});
(async () => {
  const database = createDatabase({ url: process.env.DATABASE_URL, schema: process.env.SCHEMA, max: 1 });
  await database.db.transaction().execute((trx) => record(trx, [{ name: 'award.revoked', payload: JSON.parse(process.env.PAYLOAD) }]));
  process.stdout.write('committed\\n');
  process.kill(process.pid, 'SIGKILL');
})();
`;

(built ? describe : describe.skip)(`a publisher killed after its commit (${built ? 'compiled' : 'SKIPPED: run npm run build'})`, () => {
  let ctx: TestContext;
  let workers: WorkerHost;
  const delivered: string[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    const subscriptions = new Subscriptions().subscribe('award.revoked', 'witness', async (award) => void delivered.push(award.awardId));
    workers = startWorkers(ctx, { jobs: subscriptions.jobs(), concurrency: 2 });
  });
  afterAll(async () => {
    await workers?.close(5000);
    await ctx?.close();
  });

  it('has its event delivered by the relay', async () => {
    const payload = { awardId: crypto.randomUUID(), courseId: crypto.randomUUID(), learnerId: crypto.randomUUID() };
    const child = spawnSync(process.execPath, ['-e', CHILD], {
      env: { ...process.env, DATABASE_URL: requireEnv('DATABASE_URL'), SCHEMA: ctx.tdb.schema, PAYLOAD: JSON.stringify(payload) },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(child.stdout).toBe('committed\n');
    expect(child.signal).toBe('SIGKILL');
    // Committed, never queued.
    const rows = (await sql<{ job_id: string }>`select job_id from domain_event_outbox`.execute(ctx.database.db)).rows;
    expect(rows).toEqual([{ job_id: `award-revoked-${payload.awardId}` }]);
    expect(await ctx.queues.get('notify').getJob(`award-revoked-${payload.awardId}`)).toBeUndefined();

    expect(await relayOutbox({ db: ctx.database.db, queues: ctx.queues, logger: ctx.logger }, { now: new Date(Date.now() + 1000), graceMs: 0, batch: 10 })).toBe(1);
    const until = Date.now() + 15_000;
    while (!delivered.includes(payload.awardId) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(delivered).toEqual([payload.awardId]);
  });
});
