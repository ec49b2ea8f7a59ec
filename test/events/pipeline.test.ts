import request from 'supertest';
import type { Express } from 'express';
import { useCredentialPort } from '../../src/badges/context';
import type { CredentialPort } from '../../src/badges';
import { createManualCourse, type Course } from '../../src/courses';
import { backfillAchievement, dryRunRule, evaluateEventJob, type IngestResult } from '../../src/events';
import type { JobRun } from '../../src/queue';
import type { RuleNode } from '../../src/rules';
import { createToken } from '../../src/tokens';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

// awardBadge needs only the database; signing is the issue job's business, not this suite's.
useCredentialPort(() => ({}) as CredentialPort);

describe('generic API events through the evaluate job', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let course: Course;
  let token: string;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    course = await createManualCourse(ctx.database.db, { title: 'Manual course' });
    token = (await createToken(ctx.database.db, { name: 'lms-bridge', scopes: ['events'] })).token;
  });
  afterAll(() => ctx.close());

  const achievement = async (name: string, rule: RuleNode, courseId = course.id): Promise<string> =>
    (
      await ctx.tdb.pool.query(
        `insert into achievements (course_id, name, description, criteria_narrative, rule, status) values ($1, $2, 'd', 'c', $3, 'published') returning id`,
        [courseId, name, JSON.stringify(rule)],
      )
    ).rows[0].id;
  const post = (body: Record<string, unknown>, auth = token) => request(app).post('/api/v1/events').set('Authorization', `Bearer ${auth}`).send(body);
  const event = (props: { email: string; assignment: string; given: number | null; max?: number; at: string; id?: string; courseId?: string }) => ({
    id: props.id ?? `evt-${++seq}`,
    courseId: props.courseId ?? course.id,
    learner: { id: props.email, email: props.email, name: props.email.split('@')[0] },
    assignment: { id: props.assignment, name: `Quiz ${props.assignment}` },
    scoreGiven: props.given,
    scoreMaximum: props.max ?? 100,
    occurredAt: props.at,
  });
  const run = (jobId: string): JobRun => ({ ctx, jobId, attempt: 1, progress: async () => undefined });
  const perform = async (res: { body: IngestResult }) => evaluateEventJob.perform({ eventId: res.body.eventId! }, run(res.body.eventId!)) as Promise<Record<string, unknown>>;
  const awardsOf = async (email: string) =>
    (await ctx.tdb.pool.query(`select a.achievement_id, a.score::float as score from awards a join learners l on l.id = a.learner_id where l.email = $1 and a.status <> 'revoked' order by a.awarded_at`, [email])).rows;
  const scoreOf = async (email: string, sourceKey: string) =>
    (await ctx.tdb.pool.query(`select s.score_given::float as given, s.occurred_at from learner_scores s join learners l on l.id = s.learner_id join assignments a on a.id = s.assignment_id where l.email = $1 and a.source_key = $2`, [email, sourceKey])).rows[0];

  it('answers 202 {accepted, duplicate} and dedupes a repeated id', async () => {
    const body = event({ email: 'dup@example.com', assignment: 'Z9', given: 1, at: '2026-11-20T10:00:00Z', id: 'same-id' });
    const first = await post(body);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ accepted: true, duplicate: false, status: 'pending' });
    const second = await post(body);
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({ accepted: true, duplicate: true, eventId: first.body.eventId });
  });

  it.each([
    ['no token', { auth: '' }, 401, 'ERR_UNAUTHENTICATED'],
    ['an invalid body', { body: { id: 'x' } }, 422, 'ERR_VALIDATION'],
    ['an unknown course', { body: { courseId: '00000000-0000-4000-8000-000000000000' } }, 404, 'ERR_NOT_FOUND'],
  ])('refuses %s', async (_name, props: { auth?: string; body?: Record<string, unknown> }, status, code) => {
    const base = event({ email: 'x@example.com', assignment: 'A1', given: 1, at: '2026-11-20T10:00:00Z' });
    const res = await post(props.body && 'id' in props.body && Object.keys(props.body).length === 1 ? props.body : { ...base, ...props.body }, props.auth ?? token);
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
  });

  it('refuses a token without the events scope (403) and a non-JSON body (415)', async () => {
    const other = (await createToken(ctx.database.db, { name: 'exports', scopes: ['transcripts'] })).token;
    expect((await post(event({ email: 'x@example.com', assignment: 'A1', given: 1, at: '2026-11-20T10:00:00Z' }), other)).status).toBe(403);
    const form = await request(app).post('/api/v1/events').set('Authorization', `Bearer ${token}`).type('form').send('id=1');
    expect(form.status).toBe(415);
  });

  it('awards on reaching the threshold, once, and keeps the newest score', async () => {
    const c = await createManualCourse(ctx.database.db, { title: 'Threshold course' });
    const achievementId = await achievement('80 on A1', { kind: 'score', assignmentId: 'A1', minPercent: 80 }, c.id);
    const email = 'ada@example.com';

    const below = await post(event({ email, assignment: 'A1', given: 70, at: '2026-11-20T10:00:00Z', courseId: c.id }));
    expect(await perform(below)).toMatchObject({ kind: 'score', awarded: [] });

    const pass = await post(event({ email, assignment: 'A1', given: 85, at: '2026-11-20T11:00:00Z', courseId: c.id }));
    expect(await perform(pass)).toMatchObject({ kind: 'score', changed: true, awarded: [achievementId] });
    const awards = await awardsOf(email);
    expect(awards).toEqual([{ achievement_id: achievementId, score: 85 }]);
    // The job signs inline; signing fails here (this suite has no credential port), so the award
    // goes to the issue job and its retries (jobId = award id).
    expect(await ctx.queues.get('issue').getJobCounts('waiting', 'delayed')).toMatchObject({ waiting: 1 });

    // A late delivery of an older, lower score changes nothing.
    const late = await post(event({ email, assignment: 'A1', given: 10, at: '2026-11-20T09:00:00Z', courseId: c.id }));
    expect(await perform(late)).toMatchObject({ changed: false, awarded: [] });
    expect((await scoreOf(email, 'api:A1')).given).toBe(85);

    // Running the same job twice awards nothing more.
    expect(await perform(pass)).toMatchObject({ awarded: [] });
    // A newer regrade below the threshold lowers the score but keeps the badge (DESIGN section 3).
    const regrade = await post(event({ email, assignment: 'A1', given: 50, at: '2026-11-21T09:00:00Z', courseId: c.id }));
    expect(await perform(regrade)).toMatchObject({ changed: true, awarded: [] });
    expect((await scoreOf(email, 'api:A1')).given).toBe(50);
    expect(await awardsOf(email)).toHaveLength(1);
  });

  it('awards tiers up to the score and a badge-based rule in the same evaluation', async () => {
    const c = await createManualCourse(ctx.database.db, { title: 'Tier course' });
    const bronze = await achievement('Bronze', { kind: 'score', assignmentId: 'EXAM', minPercent: 60 }, c.id);
    const silver = await achievement('Silver', { kind: 'score', assignmentId: 'EXAM', minPercent: 75 }, c.id);
    await achievement('Gold', { kind: 'score', assignmentId: 'EXAM', minPercent: 90 }, c.id);
    const both = await achievement('Bronze and Silver', { kind: 'badges', achievementIds: [bronze, silver], min: 2 }, c.id);
    const res = await post(event({ email: 'tiers@example.com', assignment: 'EXAM', given: 40, max: 50, at: '2026-11-20T10:00:00Z', courseId: c.id }));
    const outcome = await perform(res);
    expect(new Set(outcome.awarded as string[])).toEqual(new Set([bronze, silver, both]));
  });

  it('dry-runs a new rule over existing scores, then backfills it exactly once', async () => {
    const c = await createManualCourse(ctx.database.db, { title: 'Backfill course' });
    for (const [email, given] of [['b1@example.com', 90], ['b2@example.com', 79], ['b3@example.com', 80]] as const) {
      await perform(await post(event({ email, assignment: 'FINAL', given, at: '2026-11-20T10:00:00Z', courseId: c.id })));
    }
    const condition: RuleNode = { kind: 'score', assignmentId: 'FINAL', minPercent: 80 };
    const dry = await dryRunRule(ctx.database.db, { courseId: c.id, condition, now: new Date() });
    expect(dry.wouldEarn).toBe(2);
    expect(dry.learners.find((l) => l.email === 'b2@example.com')?.evaluation.reason).toBe('Not yet: Quiz FINAL: 79% of the 80% required.');
    expect(await awardsOf('b1@example.com')).toEqual([]);

    const achievementId = await achievement('Final 80', condition, c.id);
    expect(await backfillAchievement(ctx, { achievementId, now: new Date() })).toEqual({ evaluated: 3, earned: 2, awarded: 2 });
    expect(await backfillAchievement(ctx, { achievementId, now: new Date() })).toEqual({ evaluated: 3, earned: 0, awarded: 0 });
    expect(await awardsOf('b3@example.com')).toEqual([{ achievement_id: achievementId, score: 80 }]);
  });

  it('skips a parked or unknown event without failing', async () => {
    expect(await evaluateEventJob.perform({ eventId: '00000000-0000-4000-8000-000000000000' }, run('x'))).toEqual({ kind: 'skipped', reason: 'unknown' });
  });
});
