import request from 'supertest';
import type { Express } from 'express';
import { useCredentialPort } from '../../src/badges/context';
import type { CredentialPort } from '../../src/badges';
import { createManualCourse, type Course } from '../../src/courses';
import { evaluateBatchJob, type IngestResult } from '../../src/events';
import type { JobRun } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

// awardBadge needs only the database; signing is the issue job's business, not this suite's.
useCredentialPort(() => ({}) as CredentialPort);

describe('evaluate-batch: events committed together, applied together', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let course: Course;
  let token: string;
  let achievementId: string;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    course = await createManualCourse(ctx.database.db, { title: 'Batch course' });
    token = (await createToken(ctx.database.db, { name: 'batch', scopes: ['events'] })).token;
    achievementId = (
      await ctx.tdb.pool.query(
        `insert into achievements (course_id, name, description, criteria_narrative, rule, status) values ($1, 'Pass Q1', 'd', 'c', $2, 'published') returning id`,
        [course.id, JSON.stringify({ kind: 'score', assignmentId: 'Q1', minPercent: 80 })],
      )
    ).rows[0].id;
  });
  afterAll(() => ctx.close());

  const run = (jobId: string): JobRun => ({ ctx, jobId, attempt: 1, progress: async () => undefined });
  const post = async (props: { email: string; assignment?: string; given: number; at: string }): Promise<string> => {
    const res = await request(app).post('/api/v1/events').set('Authorization', `Bearer ${token}`).send({
      id: `batch-${++seq}`, courseId: course.id, learner: { email: props.email }, assignment: { id: props.assignment ?? 'Q1' },
      scoreGiven: props.given, scoreMaximum: 100, occurredAt: props.at,
    });
    expect(res.status).toBe(202);
    return (res.body as IngestResult).eventId!;
  };
  const scoreOf = async (email: string) =>
    (await ctx.tdb.pool.query(`select s.score_given::float as given from learner_scores s join learners l on l.id = s.learner_id where l.email = $1`, [email])).rows.map((r) => r.given);
  const awarded = async (email: string) =>
    Number((await ctx.tdb.pool.query(`select count(*) from awards a join learners l on l.id = a.learner_id where l.email = $1 and a.achievement_id = $2`, [email, achievementId])).rows[0].count);

  it('keeps the newest score within the batch whatever the order, and awards from it once', async () => {
    const newer = await post({ email: 'ada@example.com', given: 90, at: '2026-11-20T10:05:00Z' });
    const older = await post({ email: 'ada@example.com', given: 10, at: '2026-11-20T10:00:00Z' });
    const other = await post({ email: 'bob@example.com', given: 50, at: '2026-11-20T10:00:00Z' });
    const result = await evaluateBatchJob.perform({ eventIds: [older, newer, other] }, run('b1'));
    expect(result).toMatchObject({ applied: 2, individually: 0, awarded: 1 });
    expect(await scoreOf('ada@example.com')).toEqual([90]);
    expect(await scoreOf('bob@example.com')).toEqual([50]);
    expect(await awarded('ada@example.com')).toBe(1);
    expect(await awarded('bob@example.com')).toBe(0);
    const statuses = (await ctx.tdb.pool.query(`select distinct status from score_events where id = any($1::uuid[])`, [[older, newer, other]])).rows;
    expect(statuses).toEqual([{ status: 'processed' }]);
  });

  it('never lets an older event of a later batch overwrite a stored newer score; a rerun changes nothing', async () => {
    const late = await post({ email: 'ada@example.com', given: 20, at: '2026-11-20T09:00:00Z' });
    await evaluateBatchJob.perform({ eventIds: [late] }, run('b2'));
    expect(await scoreOf('ada@example.com')).toEqual([90]);
    const rerun = await evaluateBatchJob.perform({ eventIds: [late] }, run('b2'));
    expect(rerun).toMatchObject({ awarded: 0 });
    expect(await awarded('ada@example.com')).toBe(1);
  });

  it('hands events it does not apply (a corrupt stored payload) to the one-event job, which dead-letters them', async () => {
    const healthy = await post({ email: 'cy@example.com', given: 85, at: '2026-11-20T10:00:00Z' });
    const poison = await post({ email: 'dee@example.com', given: 85, at: '2026-11-20T10:00:00Z' });
    await ctx.tdb.pool.query(`update score_events set payload = '{"type":"score"}' where id = $1`, [poison]);
    const result = await evaluateBatchJob.perform({ eventIds: [healthy, poison] }, run('b3'));
    expect(result).toMatchObject({ applied: 1, individually: 1, awarded: 1 });
    const handed = await ctx.queues.get('evaluate').getJob(`event-${poison}`);
    expect(handed?.data).toEqual({ eventId: poison });
    expect(await awarded('cy@example.com')).toBe(1);
  });

  it('creates an assignment it has not seen and skips parked events', async () => {
    const fresh = await post({ email: 'eve@example.com', assignment: 'NEW-7', given: 3, at: '2026-11-20T10:00:00Z' });
    await ctx.tdb.pool.query(`delete from assignments where course_id = $1 and source_key like '%NEW-7'`, [course.id]);
    const parked = await post({ email: 'fay@example.com', given: 99, at: '2026-11-20T10:00:00Z' });
    await ctx.tdb.pool.query(`update score_events set status = 'parked' where id = $1`, [parked]);
    const result = await evaluateBatchJob.perform({ eventIds: [fresh, parked] }, run('b4'));
    expect(result).toMatchObject({ applied: 1, skipped: 1 });
    expect(await scoreOf('eve@example.com')).toEqual([3]);
    expect(await awarded('fay@example.com')).toBe(0);
    // The assignment was created in the batch's transaction, and the event marked with its score.
    expect((await ctx.tdb.pool.query(`select status from score_events where id = $1`, [fresh])).rows).toEqual([{ status: 'processed' }]);
    expect((await ctx.tdb.pool.query(`select count(*)::int as n from assignments where course_id = $1 and source_key like '%NEW-7'`, [course.id])).rows[0].n).toBe(1);
  });
});
