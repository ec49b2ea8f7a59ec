import request from 'supertest';
import type { Express } from 'express';
import { issueCredentialJob } from '../../src/badges';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp, subscriptions } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/**
 * After an award is made (`award.made`, subscriber `badge-rules` on queue `notify`), rules that read its
 * badge are evaluated again: a manual award of the two course badges earns the "both badges" badge,
 * through real Redis workers.
 */
describe('badges from badges after issuing', () => {
  let ctx: TestContext;
  let app: Express;
  let workers: WorkerHost;
  let token: string;

  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    workers = startWorkers(ctx, { jobs: [issueCredentialJob, ...subscriptions.jobs()], concurrency: 2 });
    token = (await createToken(ctx.database.db, { name: 'e2e', scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    await workers.close(5000);
    await ctx.close();
  });

  const api = (path: string) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const achievement = async (courseId: string, name: string, rule: unknown) => {
    const res = await api('/achievements').send({ courseId, name, description: name, criteria: { narrative: name }, rule });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const heldBy = async (email: string) =>
    (await ctx.tdb.pool.query(`select a.achievement_id, a.credential_id from awards a join learners l on l.id = a.learner_id where l.email = $1 and a.status <> 'revoked'`, [email])).rows as { achievement_id: string; credential_id: string | null }[];

  it('awards and signs the combined badge once both parts are manually awarded, and only then', async () => {
    const course = await api('/courses').send({ title: 'Data Science 300' });
    const partA = await achievement(course.body.id, 'Cleaning', { kind: 'score', assignmentId: 'p1', minPercent: 80 });
    const partB = await achievement(course.body.id, 'Modelling', { kind: 'score', assignmentId: 'p2', minPercent: 80 });
    const both = await achievement(course.body.id, 'Data Scientist', { kind: 'badges', achievementIds: [partA, partB] });
    const email = 'grace@example.edu';

    expect((await api('/awards').send({ achievementId: partA, recipient: { email } })).status).toBe(201);
    // One part is not enough: the re-evaluation runs (partA is read by a rule) and awards nothing.
    const afterFirst = await waitFor(async () => (await ctx.queues.get('notify').getJobs(['completed'])).length >= 1);
    expect(afterFirst).toBe(true);
    expect((await heldBy(email)).map((a) => a.achievement_id)).not.toContain(both);

    expect((await api('/awards').send({ achievementId: partB, recipient: { email } })).status).toBe(201);
    const signed = await waitFor(async () => (await heldBy(email)).some((a) => a.achievement_id === both && a.credential_id !== null));
    expect(signed).toBe(true);
    expect((await heldBy(email)).filter((a) => a.achievement_id === both)).toHaveLength(1);
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}
