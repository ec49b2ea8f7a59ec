import { upsertLtiCourse, upsertPlatform } from '../../src/courses';
import { rosterSyncAllJob, startLtiBackground, ROSTER_SYNC_ALL_JOB, ROSTER_SYNC_JOB } from '../../src/lti';
import { createTestContext, type TestContext } from '../support/context';

describe('scheduled roster re-sync', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  });
  afterAll(async () => {
    await ctx?.close();
  });

  it('schedules the re-sync once, and the scheduled job queues one sync per LTI course of an active platform', async () => {
    const stop = await startLtiBackground(ctx, { resyncEveryMs: 3_600_000 });
    const again = await startLtiBackground(ctx, { resyncEveryMs: 3_600_000 });
    const schedulers = await ctx.queues.get('poll').getJobSchedulers();
    expect(schedulers.filter((s) => s.name === ROSTER_SYNC_ALL_JOB)).toHaveLength(1);
    await stop();
    await again();

    const db = ctx.database.db;
    const active = await upsertPlatform(db, { issuer: 'https://moodle.example', clientId: 'a', name: 'A', authEndpoint: 'https://moodle.example/auth', tokenEndpoint: 'https://moodle.example/token', jwksUrl: 'https://moodle.example/jwks' });
    const disabled = await upsertPlatform(db, { issuer: 'https://old.example', clientId: 'b', name: 'B', authEndpoint: 'https://old.example/auth', tokenEndpoint: 'https://old.example/token', jwksUrl: 'https://old.example/jwks', status: 'disabled' });
    const synced = await upsertLtiCourse(db, { platformId: active.id, deploymentRowId: null, contextId: 'c1', title: 'C1', nrpsUrl: 'https://moodle.example/nrps/c1' });
    await upsertLtiCourse(db, { platformId: active.id, deploymentRowId: null, contextId: 'c2', title: 'C2 (never launched with NRPS)' });
    await upsertLtiCourse(db, { platformId: disabled.id, deploymentRowId: null, contextId: 'c3', title: 'C3', nrpsUrl: 'https://old.example/nrps/c3' });

    const run = { ctx, jobId: 'sched', attempt: 1, progress: async () => undefined };
    expect(await rosterSyncAllJob.perform({}, run)).toEqual({ queued: 1 });
    // Running it twice in the same hour does not queue a second sync of the course.
    await rosterSyncAllJob.perform({}, run);
    const waiting = (await ctx.queues.get('poll').getJobs(['waiting', 'delayed', 'prioritized'])).filter((j) => j.name === ROSTER_SYNC_JOB);
    expect(waiting.map((j) => (j.data as { courseId: string }).courseId)).toEqual([synced.id]);
  });
});
