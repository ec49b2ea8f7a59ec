import request from 'supertest';
import type { Express } from 'express';
import { awardBadges } from '../../src/badges';
import { badgesDepsFor } from '../../src/badges/context';
import { evaluateEventJob, UNSIGNED_AWARD_RETRY_MS, type IngestResult } from '../../src/events';
import type { JobRun } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/**
 * The evaluate job issues a new award's credential in the same run (no issue-queue hop): when the
 * job returns, the credential is stored and announced and no issue job was queued. An award a
 * crashed run left unsigned is issued by the next evaluation of its learner once it is old enough
 * (UNSIGNED_AWARD_RETRY_MS); a younger one is left to whoever is issuing it.
 */
describe('evaluate job issues the credential inline', () => {
  let ctx: TestContext;
  let app: Express;
  let token: string;
  let courseId: string;
  let achievementId: string;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    token = (await createToken(ctx.database.db, { name: 'inline-issue', scopes: ['admin'] })).token;
    courseId = (await api('post', '/courses').send({ title: 'Inline issuing' })).body.id;
    const created = await api('post', '/achievements').send({
      courseId, name: 'Passed Q1', description: 'Reached 80%.', criteria: { narrative: 'At least 80%.' }, rule: { kind: 'score', assignmentId: 'Q1', minPercent: 80 },
    });
    expect(created.status).toBe(201);
    achievementId = created.body.id;
  });
  afterAll(() => ctx.close());

  const api = (method: 'get' | 'post', path: string) => request(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const run = (jobId: string): JobRun => ({ ctx, jobId, attempt: 1, progress: async () => undefined });
  const scoreEvent = async (email: string, given: number): Promise<string> => {
    const res = await api('post', '/events').send({
      id: `inline-${++seq}`, courseId, learner: { id: email, email, name: email.split('@')[0] }, assignment: { id: 'Q1', name: 'Quiz 1' },
      scoreGiven: given, scoreMaximum: 100, occurredAt: new Date(Date.now() + seq).toISOString(),
    });
    expect(res.status).toBe(202);
    return (res.body as IngestResult).eventId!;
  };
  const awardOf = async (email: string) =>
    (await ctx.database.pool.query<{ id: string; credential_id: string | null }>(
      `select a.id, a.credential_id from awards a join learners l on l.id = a.learner_id where l.email = $1 and a.status <> 'revoked'`, [email],
    )).rows;
  const issueJobs = async () => {
    const counts = await ctx.queues.get('issue').getJobCounts('waiting', 'delayed', 'active');
    return counts.waiting! + counts.delayed! + counts.active!;
  };

  // credential.issued is carried as one job per subscriber (`credential-issued-<award>-<subscriber>`)
  // when the root's subscriptions are installed, else as the one dispatch job `credential-issued-<award>`.
  const announcements = async (awardId: string) =>
    (await ctx.queues.get('notify').getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized'])).filter((job) => job?.id === `credential-issued-${awardId}` || job?.id?.startsWith(`credential-issued-${awardId}-`));

  const notifyJob = async (id: string) => (await ctx.queues.get('notify').getJob(id)) ?? undefined;

  it('stores and announces the credential before the job returns, with no issue job', async () => {
    const eventId = await scoreEvent('ada@example.edu', 91);
    const result = await evaluateEventJob.perform({ eventId }, run(eventId));
    expect(result).toMatchObject({ kind: 'score', awarded: [achievementId] });
    const [award] = await awardOf('ada@example.edu');
    expect(award?.credential_id).toEqual(expect.any(String));
    const stored = await ctx.database.pool.query(`select award_id, jws from credentials where id = $1`, [award!.credential_id]);
    expect(stored.rows[0]).toMatchObject({ award_id: award!.id, jws: expect.stringMatching(/^ey/) });
    expect(await issueJobs()).toBe(0);
    expect((await announcements(award!.id)).length).toBeGreaterThan(0);
    // The rule evaluation followed badges from badges itself: award.made queues no badge-rules job.
    expect(await notifyJob(`award-made-${award!.id}-badge-rules`)).toBeUndefined();

    // Running the job again (a redelivery) neither awards nor issues twice.
    await evaluateEventJob.perform({ eventId }, run(eventId));
    expect(await awardOf('ada@example.edu')).toEqual([award]);
    expect((await ctx.database.pool.query(`select count(*)::int as n from credentials where award_id = $1`, [award!.id])).rows[0].n).toBe(1);
  });

  it('announces again on a retry: a run that stored the credential and then lost Redis failed before its announcement', async () => {
    const eventId = await scoreEvent('hedy@example.edu', 88);
    await evaluateEventJob.perform({ eventId }, run(eventId));
    const [award] = await awardOf('hedy@example.edu');
    expect(award?.credential_id).toEqual(expect.any(String));
    // The announcement the failed run never made.
    for (const job of await announcements(award!.id)) await job.remove();
    expect(await announcements(award!.id)).toHaveLength(0);

    const again = await scoreEvent('hedy@example.edu', 89);
    await evaluateEventJob.perform({ eventId: again }, run(again));
    expect(await announcements(award!.id)).toHaveLength(0);
    await evaluateEventJob.perform({ eventId: again }, { ...run(again), attempt: 2 });
    expect((await announcements(award!.id)).length).toBeGreaterThan(0);
    expect(await awardOf('hedy@example.edu')).toEqual([award]);
  });

  it('issues an award a crashed run left unsigned on the learner\'s next evaluation, once it is old enough', async () => {
    const below = await scoreEvent('grace@example.edu', 10);
    await evaluateEventJob.perform({ eventId: below }, run(below));
    const learner = await ctx.database.pool.query<{ id: string }>(`select id from learners where email = 'grace@example.edu'`);
    // A worker died after the award committed and before its credential was stored.
    const [made] = await awardBadges(badgesDepsFor(ctx), [{ achievementId, learnerId: learner.rows[0]!.id, score: 95, evidence: [], actor: 'rules', source: 'rule' }]);
    const awardId = made!.award.id;

    // Young: another run may still be issuing it, so this evaluation leaves it alone.
    const first = await scoreEvent('grace@example.edu', 96);
    await evaluateEventJob.perform({ eventId: first }, run(first));
    expect(await awardOf('grace@example.edu')).toEqual([{ id: awardId, credential_id: null }]);

    await ctx.database.pool.query(`update awards set awarded_at = now() - make_interval(secs => $2::int) where id = $1`, [awardId, UNSIGNED_AWARD_RETRY_MS / 1000 + 1]);
    const second = await scoreEvent('grace@example.edu', 97);
    await evaluateEventJob.perform({ eventId: second }, run(second));
    const [award] = await awardOf('grace@example.edu');
    expect(award).toEqual({ id: awardId, credential_id: expect.any(String) });
    expect(await issueJobs()).toBe(0);
  });

  // Last: the manual award queues an issue job, which the tests above count.
  it('still queues the badges-from-badges reaction for an award no rule evaluation made (a manual award)', async () => {
    const res = await api('post', '/awards').send({ achievementId, recipient: { email: 'mary@example.edu' } });
    expect(res.status).toBe(201);
    const [award] = await awardOf('mary@example.edu');
    expect(await notifyJob(`award-made-${award!.id}-badge-rules`)).toMatchObject({ name: 'award.made.badge-rules', data: { awardId: award!.id } });
  });
});
