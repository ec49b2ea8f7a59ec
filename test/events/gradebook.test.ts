import request from 'supertest';
import type { Express } from 'express';
import { createManualCourse, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { applyEvent, gradebookToEvents, importGradebookJob, parseCsv } from '../../src/events';
import { isLaurelError } from '../../src/errors';
import type { JobRun } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

// Shaped like Canvas's "Export entire gradebook" (header, Points Possible row, EX, empty, test student).
const canvasCsv = [
  'Student,ID,SIS User ID,SIS Login ID,Section,Quiz 2 (355),Essay (356),Current Score,Final Score',
  '    Points Possible,,,,,10.00,20.00,(read only),(read only)',
  '"Doe, Jane",48,ABC.123,jane,Section 1,8.00,EX,80.00,80.00',
  '"Roe, Rick",49,ABC.124,rick,Section 1,,15,75.00,75.00',
  '"Student, Test",50,,,Section 1,10.00,20.00,100.00,100.00',
].join('\r\n');

// Shaped like Moodle's "Export to text file" (BOM, quoted headers, '-' for no grade, download time).
const moodleCsv = '\uFEFF' + [
  '"First name","Last name","ID number",Institution,Department,"Email address","Quiz: Quiz 2 (Real)","Assignment: Essay (Percentage)","Course total (Real)","Last downloaded from this course"',
  'Student,One,,,,student1@example.com,35.00,"70.00 %",70.00,1763796405',
  'Student,Two,,,,student2@example.com,-,-,0.00,1763796405',
].join('\n');

describe('gradebook CSV parsing', () => {
  it('parses quoted fields, doubled quotes and line breaks', () => {
    expect(parseCsv('a,"b, c","d ""e""\nf"\r\n1,2,3\n')).toEqual([['a', 'b, c', 'd "e"\nf'], ['1', '2', '3']]);
  });

  it('reads a Canvas export: ids, points possible, excused, skips blanks and the test student', () => {
    const events = gradebookToEvents({ courseId: '00000000-0000-4000-8000-000000000001', csv: canvasCsv, exportedAt: new Date('2026-11-22T08:00:00Z') });
    expect(events.map((e) => [e.learner.lmsUserId, e.assignment.sourceKey, e.scoreGiven, e.scoreMaximum, e.excused])).toEqual([
      ['48', 'canvas:355', 8, 10, false],
      ['48', 'canvas:356', null, 20, true],
      ['49', 'canvas:356', 15, 20, false],
    ]);
    expect(events[0]).toMatchObject({ origin: 'csv', occurredAt: '2026-11-22T08:00:00.000Z', assignment: { name: 'Quiz 2', externalId: '355' } });
  });

  it('reads a Moodle export: emails, Real and Percentage columns, the download time', () => {
    const events = gradebookToEvents({ courseId: '00000000-0000-4000-8000-000000000001', csv: moodleCsv, exportedAt: new Date() });
    expect(events.map((e) => [e.learner.email, e.assignment.sourceKey, e.scoreGiven, e.scoreMaximum, e.occurredAt])).toEqual([
      ['student1@example.com', 'moodle:name:Quiz:Quiz 2', 35, null, '2025-11-22T07:26:45.000Z'],
      ['student1@example.com', 'moodle:name:Assignment:Essay', 70, 100, '2025-11-22T07:26:45.000Z'],
    ]);
  });

  it('refuses a file that is not a gradebook export', () => {
    let error: unknown;
    try {
      gradebookToEvents({ courseId: 'x', csv: 'name,score\na,1', exportedAt: new Date() });
    } catch (e) {
      error = e;
    }
    expect(isLaurelError(error, 'ERR_EVENT_MALFORMED')).toBe(true);
  });
});

describe('gradebook import through the API and the import job', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let token: string;
  beforeAll(async () => {
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    token = (await createToken(ctx.database.db, { name: 'imports', scopes: ['events'] })).token;
  });
  afterAll(() => ctx.close());
  const run = (jobId: string): JobRun => ({ ctx, jobId, attempt: 1, progress: async () => undefined });

  it('imports a Canvas export into an LTI course, mapped through launch ids, idempotently', async () => {
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://canvas.instructure.com', clientId: '1', name: 'Canvas', lms: 'canvas', authEndpoint: 'https://c/a', tokenEndpoint: 'https://c/t', jwksUrl: 'https://c/j' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: 'c', title: 'C', lmsCourseId: '565' });
    await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'u48', lmsUserId: '48' });

    const res = await request(app).post(`/api/v1/courses/${course.id}/gradebook-imports?exportedAt=2026-11-22T08:00:00Z`).set('Authorization', `Bearer ${token}`).type('text/csv').send(canvasCsv);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ format: 'canvas', scores: 3 });
    const job = await ctx.queues.get('import').getJob(res.body.jobId);
    expect(job?.name).toBe('events.import-gradebook');
    const result = await importGradebookJob.perform(job!.data, run(res.body.jobId));
    // Learner 49 is not known yet: parked until a launch or roster sync maps them.
    expect(result).toEqual({ events: 3, stored: 3, duplicates: 0, parked: 1 });
    expect(await importGradebookJob.perform(job!.data, run(res.body.jobId))).toEqual({ events: 3, stored: 0, duplicates: 3, parked: 0 });

    const status = await request(app).get(`/api/v1/gradebook-imports/${res.body.jobId}`).set('Authorization', `Bearer ${token}`);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ jobId: res.body.jobId, state: 'waiting' });

    const { rows } = await ctx.tdb.pool.query(`select id from score_events where status = 'pending'`);
    for (const r of rows) await applyEvent(db, { eventId: r.id });
    const scores = await ctx.tdb.pool.query(`select a.source_key, s.score_given::float as given, s.excused from learner_scores s join assignments a on a.id = s.assignment_id order by a.source_key`);
    expect(scores.rows).toEqual([{ source_key: 'canvas:355', given: 8, excused: false }, { source_key: 'canvas:356', given: null, excused: true }]);
  });

  it('creates the learners of a course outside any LMS from a Moodle export', async () => {
    const course = await createManualCourse(ctx.database.db, { title: 'Manual' });
    const res = await request(app).post(`/api/v1/courses/${course.id}/gradebook-imports`).set('Authorization', `Bearer ${token}`).type('text/csv').send(moodleCsv);
    expect(res.status).toBe(202);
    const job = await ctx.queues.get('import').getJob(res.body.jobId);
    expect(await importGradebookJob.perform(job!.data, run(res.body.jobId))).toEqual({ events: 2, stored: 2, duplicates: 0, parked: 0 });
  });

  it('answers 400 for a file that is not a gradebook, 415 for JSON, 404 for an unknown course', async () => {
    const course = await createManualCourse(ctx.database.db, { title: 'Other' });
    const bad = await request(app).post(`/api/v1/courses/${course.id}/gradebook-imports`).set('Authorization', `Bearer ${token}`).type('text/csv').send('a,b\n1,2');
    expect([bad.status, bad.body.code]).toEqual([400, 'ERR_EVENT_MALFORMED']);
    expect((await request(app).post(`/api/v1/courses/${course.id}/gradebook-imports`).set('Authorization', `Bearer ${token}`).send({ a: 1 })).status).toBe(415);
    expect((await request(app).post('/api/v1/courses/00000000-0000-4000-8000-000000000000/gradebook-imports').set('Authorization', `Bearer ${token}`).type('text/csv').send(canvasCsv)).status).toBe(404);
  });
});
