import type { Express } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { listAudit } from '../../src/audit';
import { createManualCourse, enroll, upsertAssignment, upsertLtiCourse, upsertLtiLearner, upsertManualLearner, upsertPlatform, type Course } from '../../src/courses';
import { backfillAchievementJob } from '../../src/events';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/**
 * Behaviour of the /api/v1 routes beyond their shapes (test/api/openapi.test.ts checks those):
 * publishing applies the rule to held scores, archive stops awarding, edits version rules, paging
 * walks every award once, and a token bound to one platform finds nothing of another (404).
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let ctx: TestContext;
let app: Express;
let workers: WorkerHost;
let admin: string;
let bound: string;
let platformId: string;
let otherPlatformId: string;
let own: Course;
let other: Course;

const as = (token: string) => ({
  get: (path: string) => request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
  post: (path: string, body?: object) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  patch: (path: string, body: object) => request(app).patch(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body),
  delete: (path: string) => request(app).delete(`/api/v1${path}`).set('Authorization', `Bearer ${token}`),
});

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ctx = await createTestContext();
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  const db = ctx.database.db;
  const platform = await upsertPlatform(db, { issuer: 'https://lms.one.example', clientId: 'c1', name: 'One', authEndpoint: 'https://lms.one.example/auth', tokenEndpoint: 'https://lms.one.example/token', jwksUrl: 'https://lms.one.example/jwks' });
  otherPlatformId = (await upsertPlatform(db, { issuer: 'https://lms.two.example', clientId: 'c2', name: 'Two', authEndpoint: 'https://lms.two.example/auth', tokenEndpoint: 'https://lms.two.example/token', jwksUrl: 'https://lms.two.example/jwks' })).id;
  platformId = platform.id;
  own = await upsertLtiCourse(db, { platformId, deploymentRowId: null, contextId: 'ctx-1', title: 'Platform course' });
  other = await createManualCourse(db, { title: 'Instance course' });
  admin = (await createToken(db, { name: 'admin', scopes: ['admin'] })).token;
  bound = (await createToken(db, { name: 'bound-to-one', scopes: ['admin'], platformId })).token;
  app = await createApp(ctx);
  workers = startWorkers(ctx, { jobs: [backfillAchievementJob], concurrency: 2 });
}, 60_000);
afterAll(async () => {
  jest.restoreAllMocks();
  await workers?.close(5000);
  await ctx.close();
});

describe('publishing through the API', () => {
  it('applies a published rule to the scores Laurel already holds, and reports the backfill', async () => {
    const db = ctx.database.db;
    const quiz = await upsertAssignment(db, { courseId: other.id, sourceKey: 'api:Q9', name: 'Quiz 9', pointsPossible: 10 });
    const learners = [];
    for (const [email, given] of [['a@example.edu', 9], ['b@example.edu', 8], ['c@example.edu', 3]] as const) {
      const learner = await upsertManualLearner(db, { email });
      await enroll(db, { courseId: other.id, learnerId: learner.id, source: 'api' });
      await sql`insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at) values (${other.id}, ${learner.id}, ${quiz.id}, ${given}, 10, now())`.execute(db);
      learners.push(learner);
    }
    // Created published at once (the default), like DESIGN section 7's POST /achievements.
    const created = await as(admin).post('/achievements', { courseId: other.id, name: 'Quiz 9 pass', description: 'd', criteria: { narrative: '80%' }, rule: { kind: 'score', assignmentId: 'Q9', minPercent: 80 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'published', backfillJobId: expect.stringMatching(/^backfill-/) });
    const status = await until(() => as(admin).get(`/achievements/${created.body.id}/backfills/${created.body.backfillJobId}`), (r) => r.body.state === 'completed');
    expect(status.body).toMatchObject({ state: 'completed', result: { evaluated: 3, earned: 2, awarded: 2 }, progress: { due: 2, done: 2, awarded: 2 } });
    const awards = await as(admin).get(`/awards?achievementId=${created.body.id}`);
    expect(awards.body.items.map((a: Json) => a.learner.email).sort()).toEqual(['a@example.edu', 'b@example.edu']);
    expect((await listAudit(db, { courseId: other.id })).map((e) => e.action)).toEqual(expect.arrayContaining(['achievement.create', 'rule.published']));

    // A lowered threshold is a new rule version and awards the third learner.
    const edited = await as(admin).patch(`/achievements/${created.body.id}`, { rule: { kind: 'score', assignmentId: 'Q9', minPercent: 30 } });
    expect(edited.body).toMatchObject({ ruleChanged: true, ruleVersion: created.body.ruleVersion + 1 });
    const all = await until(() => as(admin).get(`/awards?achievementId=${created.body.id}`), (r) => r.body.items.length === 3);
    expect(all.body.items).toHaveLength(3);

    // Archived: listed as such and no longer backfillable (409), awards untouched.
    expect((await as(admin).post(`/achievements/${created.body.id}/archive`)).body.status).toBe('archived');
    const again = await as(admin).post(`/achievements/${created.body.id}/backfills`);
    expect([again.status, again.body.code]).toEqual([409, 'ERR_ACHIEVEMENT_NOT_PUBLISHED']);
    expect((await as(admin).get(`/achievements?courseId=${other.id}&status=archived`)).body.items.map((a: Json) => a.id)).toEqual([created.body.id]);
    expect((await as(admin).get(`/awards?achievementId=${created.body.id}&status=issued`)).body.items).toHaveLength(3);
  }, 60_000);

  it('refuses invalid edits with field-level problems', async () => {
    const created = await as(admin).post('/achievements', { courseId: other.id, name: 'Edits', description: 'd', criteria: { narrative: 'c' }, status: 'draft' });
    const empty = await as(admin).patch(`/achievements/${created.body.id}`, {});
    expect([empty.status, empty.body.code]).toEqual([422, 'ERR_VALIDATION']);
    const unknown = await as(admin).patch(`/achievements/${created.body.id}`, { colour: 'red' });
    expect([unknown.status, unknown.body.code]).toEqual([422, 'ERR_VALIDATION']);
    const badRule = await as(admin).patch(`/achievements/${created.body.id}`, { rule: { kind: 'score', assignmentId: 'Q', minPercent: 101 } });
    expect(badRule.body.errors[0].field).toMatch(/^rule/);
    expect((await as(admin).patch('/achievements/not-a-uuid', { name: 'x' })).status).toBe(404);
    const tiers = await request(app).put(`/api/v1/achievements/${created.body.id}/tiers`).set('Authorization', `Bearer ${admin}`)
      .send({ name: 'Edits', tiers: [{ name: 'A', rule: { kind: 'score', assignmentId: 'Q', minPercent: 90 } }, { name: 'B', rule: { kind: 'score', assignmentId: 'Q', minPercent: 50 } }] });
    expect([tiers.status, tiers.body.code]).toEqual([422, 'ERR_VALIDATION']);
  });
});

describe('GET /awards paging', () => {
  it('walks every award exactly once, oldest first, and keeps {"items": [...]} with nextCursor beside it', async () => {
    const db = ctx.database.db;
    const course = await createManualCourse(db, { title: 'Paging' });
    const achievement = (await as(admin).post('/achievements', { courseId: course.id, name: 'Many', description: 'd', criteria: { narrative: 'c' } })).body;
    // Seven awards, two of them in the same microsecond (the id breaks the tie).
    for (let i = 0; i < 7; i++) await as(admin).post('/awards', { achievementId: achievement.id, recipient: { email: `p${i}@example.edu` } });
    await sql`update awards set awarded_at = (select min(awarded_at) from awards where achievement_id = ${achievement.id}) where achievement_id = ${achievement.id} and learner_id in (select id from learners where email in ('p1@example.edu', 'p2@example.edu'))`.execute(db);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: request.Response = await as(admin).get(`/awards?achievementId=${achievement.id}&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
      seen.push(...res.body.items.map((a: Json) => a.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(7);
    const whole = await as(admin).get(`/awards?achievementId=${achievement.id}&limit=500`);
    expect(whole.body.items.map((a: Json) => a.id)).toEqual(seen);
    expect((await as(admin).get('/awards?limit=501')).status).toBe(422);
    expect((await as(admin).get(`/awards?learnerId=${whole.body.items[0].learner.id}`)).body.items.map((a: Json) => a.id)).toEqual([seen[0]]);
  });
});

describe('a token bound to one platform', () => {
  it('finds only that platform\'s objects: everything else answers 404, never 403', async () => {
    const db = ctx.database.db;
    const learner = await upsertLtiLearner(db, { platformId, ltiUserId: 'u-1', email: 'own@example.edu' });
    await enroll(db, { courseId: own.id, learnerId: learner.id, source: 'launch' });
    const mine = (await as(admin).post('/achievements', { courseId: own.id, name: 'Mine', description: 'd', criteria: { narrative: 'c' } })).body;
    const theirs = (await as(admin).post('/achievements', { courseId: other.id, name: 'Theirs', description: 'd', criteria: { narrative: 'c' } })).body;
    const theirAward = (await as(admin).post('/awards', { achievementId: theirs.id, recipient: { email: 'x@example.edu' } })).body;

    const b = as(bound);
    expect((await b.get('/courses')).body.items.map((c: Json) => c.id)).toEqual([own.id]);
    expect((await b.get(`/courses/${own.id}/assignments`)).status).toBe(200);
    expect((await b.get(`/achievements/${mine.id}`)).status).toBe(200);
    expect((await b.get('/achievements')).body.items.map((a: Json) => a.id)).toEqual([mine.id]);
    expect((await b.get('/learners')).body.items.map((l: Json) => l.id)).toEqual([learner.id]);
    expect((await b.get('/platforms')).body.items.map((p: Json) => p.id)).toEqual([platformId]);
    expect((await b.get('/awards')).body.items.every((a: Json) => a.courseId === own.id)).toBe(true);

    const crossings = [
      b.get(`/courses/${other.id}`),
      b.get(`/courses/${other.id}/assignments`),
      b.get(`/achievements?courseId=${other.id}`),
      b.get(`/achievements/${theirs.id}`),
      b.get(`/achievements/${theirs.id}/dry-run`),
      b.patch(`/achievements/${theirs.id}`, { name: 'Hijacked' }),
      b.post(`/achievements/${theirs.id}/publish`),
      b.post(`/achievements/${theirs.id}/archive`),
      b.post(`/achievements/${theirs.id}/backfills`),
      b.post('/achievements', { courseId: other.id, name: 'x', description: 'x', criteria: { narrative: 'x' } }),
      b.post('/awards', { achievementId: theirs.id, recipient: { email: 'y@example.edu' } }),
      b.get(`/awards/${theirAward.id}`),
      b.get(`/awards?courseId=${other.id}`),
      b.post(`/awards/${theirAward.id}/revoke`, { reason: 'no' }),
      b.get(`/learners/${theirAward.learner.id}`),
      b.get(`/learners?courseId=${other.id}`),
    ];
    const theirSource = (await as(admin).post('/event-sources', { kind: 'moodle', name: 'Two', platformId: otherPlatformId })).body.source;
    crossings.push(
      b.get(`/platforms/${otherPlatformId}`),
      b.post(`/platforms/${otherPlatformId}/activate`),
      b.delete(`/platforms/${otherPlatformId}`),
      b.get(`/event-sources/${theirSource.id}`),
      b.post(`/event-sources/${theirSource.id}/rotate-secret`),
      b.delete(`/event-sources/${theirSource.id}`),
    );
    const answers = await Promise.all(crossings);
    // Each answer labelled by its position so a failure names the crossing.
    expect(answers.map((res, i) => [i, res.status, res.body.code])).toEqual(answers.map((_res, i) => [i, 404, 'ERR_NOT_FOUND']));
    // Nothing changed on the other side.
    const after = await as(admin).get(`/achievements/${theirs.id}`);
    expect(after.body).toMatchObject({ name: 'Theirs', status: 'published' });
    expect((await as(admin).get(`/awards/${theirAward.id}`)).body.status).toBe('issued');
    expect((await as(admin).get(`/event-sources/${theirSource.id}`)).status).toBe(200);
    expect((await b.get('/event-sources')).body.sources.map((x: Json) => x.id)).not.toContain(theirSource.id);
    const register = await b.post('/platforms', { name: 'x', lms: 'other', issuer: 'https://x.example', clientId: 'x', authEndpoint: 'https://x.example/a', tokenEndpoint: 'https://x.example/t', jwksUrl: 'https://x.example/j', deploymentIds: ['1'] });
    expect([register.status, register.body.code]).toEqual([403, 'ERR_FORBIDDEN']);
    // Tokens are instance-wide objects: none visible, none mintable.
    expect((await b.get('/tokens')).body.items).toEqual([]);
    const mint = await b.post('/tokens', { name: 'x', scopes: ['admin'] });
    expect([mint.status, mint.body.code]).toEqual([403, 'ERR_FORBIDDEN']);
  });
});

describe('POST /awards to a learner of the roster', () => {
  it('awards an enrolled learner by id, and refuses one from elsewhere or an ambiguous body', async () => {
    const db = ctx.database.db;
    const course = await createManualCourse(db, { title: 'Roster' });
    const achievement = (await as(admin).post('/achievements', { courseId: course.id, name: 'Roster badge', description: 'd', criteria: { narrative: 'c' } })).body;
    const enrolled = await upsertManualLearner(db, { email: 'enrolled@example.edu', name: 'Enid' });
    await enroll(db, { courseId: course.id, learnerId: enrolled.id, source: 'api' });
    const stranger = await upsertManualLearner(db, { email: 'stranger@example.edu' });
    const res = await as(admin).post('/awards', { achievementId: achievement.id, learnerId: enrolled.id });
    expect(res.status).toBe(201);
    expect(res.body.learner).toEqual({ id: enrolled.id, email: 'enrolled@example.edu', name: 'Enid' });
    expect((await as(admin).post('/awards', { achievementId: achievement.id, learnerId: enrolled.id })).status).toBe(200);
    const outside = await as(admin).post('/awards', { achievementId: achievement.id, learnerId: stranger.id });
    expect([outside.status, outside.body.code, outside.body.errors[0].field]).toEqual([422, 'ERR_VALIDATION', 'learnerId']);
    const both = await as(admin).post('/awards', { achievementId: achievement.id, learnerId: enrolled.id, recipient: { email: 'enrolled@example.edu' } });
    expect([both.status, both.body.errors[0].field]).toEqual([422, 'recipient']);
    const neither = await as(admin).post('/awards', { achievementId: achievement.id });
    expect([neither.status, neither.body.errors[0].field]).toEqual([422, 'recipient']);
  });
});

describe('tokens through the API', () => {
  it('creates a working token shown once, lists it without its secret, and revokes it at once', async () => {
    const created = await as(admin).post('/tokens', { name: 'importer', scopes: ['events', 'transcripts'] });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const listed = (await as(admin).get('/tokens')).body.items.find((t: Json) => t.id === created.body.id);
    expect(listed).toMatchObject({ name: 'importer', scopes: ['events', 'transcripts'], revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(created.body.token);
    expect((await as(created.body.token).get('/courses')).status).toBe(403);
    expect((await as(admin).delete(`/tokens/${created.body.id}`)).status).toBe(204);
    const revoked = await as(created.body.token).get('/courses');
    expect([revoked.status, revoked.body.code]).toEqual([401, 'ERR_UNAUTHENTICATED']);
    const bad = await as(admin).post('/tokens', { name: 'x', scopes: ['root'] });
    expect([bad.status, bad.body.code, bad.body.errors[0].field]).toEqual([422, 'ERR_VALIDATION', 'scopes.0']);
  });
});
