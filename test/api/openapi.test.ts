import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { Express } from 'express';
import { sql } from 'kysely';
import request, { type Response } from 'supertest';
import { issueCredentialJob } from '../../src/badges';
import { upsertAssignment } from '../../src/courses';
import { backfillAchievementJob, importGradebookJob } from '../../src/events';
import { PgLtiStore, registerPlatform } from '../../src/lti';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { openApiPath } from '../../src/app/openapi';
import { createTestContext, type TestContext } from '../support/context';

/**
 * The OpenAPI document is valid OpenAPI 3.1, describes every `/api/v1` route the real app mounts
 * (and nothing it does not), and every answer a route gives (success and problem) matches the schema
 * the document declares for that status. Each operation is called for real, with workers running.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let ctx: TestContext;
let app: Express;
let workers: WorkerHost;
let admin: string;
let doc: Json;

beforeAll(async () => {
  ctx = await createTestContext();
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  app = await createApp(ctx);
  workers = startWorkers(ctx, { jobs: [backfillAchievementJob, issueCredentialJob, importGradebookJob], concurrency: 2 });
  admin = (await createToken(ctx.database.db, { name: 'openapi-test', scopes: ['admin'] })).token;
  const res = await request(app).get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  doc = res.body as Json;
}, 60_000);
afterAll(async () => {
  await workers?.close(5000);
  await ctx.close();
});

interface MountedRoute { method: string; path: string }

/** Every route of the app, walking nested routers; mount prefixes are read back from their regexps. */
function mountedRoutes(stack: Json[], prefix = ''): MountedRoute[] {
  const out: MountedRoute[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods)) out.push({ method, path: prefix + String(layer.route.path) });
    } else if (layer.name === 'router' && layer.handle?.stack) {
      const source = String(layer.regexp?.source ?? '');
      // '^\/?(?=\/|$)' is a root mount; '^\/lti\/courses\/(?:([^\/]+?))\/?(?=\/|$)' one with a parameter.
      const mount = source.replace(/^\^/, '').replace(/\\\/\?\(\?=\\\/\|\$\)$/, '').replace(/\(\?:\(\[\^\\\/\]\+\?\)\)/g, ':param').replace(/\\\//g, '/');
      out.push(...mountedRoutes(layer.handle.stack, prefix + (mount === '/?' ? '' : mount)));
    }
  }
  return out;
}

describe('GET /api/v1/openapi.json', () => {
  it('is a valid OpenAPI 3.1 document (checked by @seriousme/openapi-schema-validator)', () => {
    expect(doc.openapi).toBe('3.1.0');
    const out = execFileSync(process.execPath, [join(__dirname, '../support/openapi-validate.mjs')], { input: JSON.stringify(doc), encoding: 'utf8' });
    const result = JSON.parse(out) as { valid: boolean; errors: unknown };
    expect(result.errors).toBeNull();
    expect(result.valid).toBe(true);
  });

  it('describes every mounted /api/v1 route, and only those', () => {
    const mounted = mountedRoutes((app as unknown as { _router: { stack: Json[] } })._router.stack)
      .filter((r) => r.path.startsWith('/api/v1/'))
      .map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`);
    expect(mounted.length).toBeGreaterThan(40);
    const described = Object.entries(doc.paths as Json).flatMap(([path, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${path}`));
    expect([...new Set(mounted)].sort()).toEqual([...new Set(described)].sort());
  });
});

describe('every described answer matches what the route returns', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const compiled = new Map<string, ValidateFunction>();
  const exercised = new Map<string, Set<number>>();

  /** Checks one answer against the document: its status must be described, its body must match. */
  function check(method: string, path: string, res: Response): Response {
    const key = `${method.toUpperCase()} ${path}`;
    const operation = (doc.paths as Json)[path]?.[method];
    if (!operation) throw new Error(`${key} is not described`);
    const described = operation.responses[String(res.status)];
    if (!described) throw new Error(`${key} answered ${res.status}, which is not described: ${JSON.stringify(res.body)}`);
    exercised.set(key, (exercised.get(key) ?? new Set()).add(res.status));
    if (!described.content) {
      expect(res.text ?? '').toBe('');
      return res;
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0]!;
    const media = described.content[type];
    if (!media) throw new Error(`${key} ${res.status} answered ${type}, described ${Object.keys(described.content).join(', ')}`);
    const cacheKey = `${key} ${res.status} ${type}`;
    let validate = compiled.get(cacheKey);
    if (!validate) {
      validate = ajv.compile({ ...media.schema, components: doc.components });
      compiled.set(cacheKey, validate);
    }
    if (!validate(res.body)) throw new Error(`${key} ${res.status} does not match its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(res.body).slice(0, 2000)}`);
    return res;
  }

  const auth = (r: request.Test, token = admin) => r.set('Authorization', `Bearer ${token}`);
  const call = {
    get: (path: string, url: string, token?: string) => auth(request(app).get(url), token).then((res) => check('get', path, res)),
    delete: (path: string, url: string, token?: string) => auth(request(app).delete(url), token).then((res) => check('delete', path, res)),
    post: (path: string, url: string, body?: object, token?: string) => auth(request(app).post(url), token).send(body).then((res) => check('post', path, res)),
    put: (path: string, url: string, body: object) => auth(request(app).put(url)).send(body).then((res) => check('put', path, res)),
    patch: (path: string, url: string, body: object) => auth(request(app).patch(url)).send(body).then((res) => check('patch', path, res)),
  };

  it('calls every operation and validates each answer', async () => {
    const db = ctx.database.db;
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await call.get('/api/v1/openapi.json', '/api/v1/openapi.json')).status).toBe(200);

    // Courses and assignments.
    const course = (await call.post('/api/v1/courses', '/api/v1/courses', { title: 'Optics', externalId: 'openapi-1' })).body;
    expect((await call.post('/api/v1/courses', '/api/v1/courses', {})).status).toBe(422);
    expect((await call.post('/api/v1/courses', '/api/v1/courses', { title: 'x' }, 'lrl_nonsense')).status).toBe(401);
    const quiz = await upsertAssignment(db, { courseId: course.id, sourceKey: 'api:Q1', name: 'Quiz 1', pointsPossible: 10 });
    expect((await call.get('/api/v1/courses', '/api/v1/courses?limit=1')).body.items).toHaveLength(1);
    expect((await call.get('/api/v1/courses', '/api/v1/courses?limit=0')).status).toBe(422);
    expect((await call.get('/api/v1/courses/{id}', `/api/v1/courses/${course.id}`)).body.id).toBe(course.id);
    expect((await call.get('/api/v1/courses/{id}', `/api/v1/courses/${missing}`)).status).toBe(404);
    expect((await call.get('/api/v1/courses/{id}/assignments', `/api/v1/courses/${course.id}/assignments`)).body.items[0].id).toBe(quiz.id);

    // Scores Laurel already holds, so that publishing has something to backfill.
    const event = { courseId: course.id, learner: { id: 'L1', email: 'ada@example.edu', name: 'Ada' }, assignment: { id: 'Q1', name: 'Quiz 1' }, scoreGiven: 9, scoreMaximum: 10, occurredAt: new Date().toISOString() };
    const eventsToken = (await createToken(db, { name: 'ev', scopes: ['events'] })).token;
    expect((await auth(request(app).post('/api/v1/events'), eventsToken).send({ id: 'openapi-e1', ...event }).then((r) => check('post', '/api/v1/events', r))).status).toBe(202);
    const learner = (await sql<{ id: string }>`insert into learners (email, name) values ('grace@example.edu', 'Grace') returning id`.execute(db)).rows[0]!;
    await sql`insert into enrollments (course_id, learner_id, source) values (${course.id}, ${learner.id}, 'api')`.execute(db);
    await sql`insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at) values (${course.id}, ${learner.id}, ${quiz.id}, 9, 10, now())`.execute(db);

    // Achievements: create (draft), edit, dry run, publish (backfill), archive, tiers.
    const draft = (await call.post('/api/v1/achievements', '/api/v1/achievements', {
      courseId: course.id, name: 'Lens master', description: 'Knows lenses.', criteria: { narrative: '80% on quiz 1' }, rule: { kind: 'score', assignmentId: quiz.id, minPercent: 80 }, status: 'draft',
    })).body;
    expect(draft.backfillJobId).toBeNull();
    expect((await call.post('/api/v1/achievements', '/api/v1/achievements', { courseId: missing, name: 'x', description: 'x', criteria: { narrative: 'x' } })).status).toBe(404);
    expect((await call.get('/api/v1/achievements', `/api/v1/achievements?courseId=${course.id}`)).body.items).toHaveLength(1);
    expect((await call.get('/api/v1/achievements/{id}', `/api/v1/achievements/${draft.id}`)).body.status).toBe('draft');
    expect((await call.patch('/api/v1/achievements/{id}', `/api/v1/achievements/${draft.id}`, { description: 'Knows lenses well.' })).body.ruleChanged).toBe(false);
    expect((await call.get('/api/v1/achievements/{id}/dry-run', `/api/v1/achievements/${draft.id}/dry-run`)).body.wouldEarn).toBe(1);
    const published = (await call.post('/api/v1/achievements/{id}/publish', `/api/v1/achievements/${draft.id}/publish`)).body;
    expect(published.backfillJobId).toMatch(/^backfill-/);
    expect((await call.post('/api/v1/achievements/{id}/publish', `/api/v1/achievements/${draft.id}/publish`)).status).toBe(409);
    const statusPath = '/api/v1/achievements/{id}/backfills/{jobId}';
    let backfill = (await call.get(statusPath, `/api/v1/achievements/${draft.id}/backfills/${published.backfillJobId}`)).body;
    for (let i = 0; i < 100 && backfill.state !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      backfill = (await call.get(statusPath, `/api/v1/achievements/${draft.id}/backfills/${published.backfillJobId}`)).body;
    }
    expect(backfill).toMatchObject({ state: 'completed', result: { awarded: 1 } });
    expect((await call.get(statusPath, `/api/v1/achievements/${draft.id}/backfills/backfill-nope`)).status).toBe(404);
    const rerun = await call.post('/api/v1/achievements/{id}/backfills', `/api/v1/achievements/${draft.id}/backfills`);
    expect(rerun.status).toBe(202);

    // Awards: list (paged), manual award, one award, revoke.
    const list = (await call.get('/api/v1/awards', `/api/v1/awards?achievementId=${draft.id}`)).body;
    expect(list.items.map((a: Json) => a.learner.id)).toEqual([learner.id]);
    expect((await call.get('/api/v1/awards', '/api/v1/awards?cursor=nonsense')).status).toBe(422);
    const manual = await call.post('/api/v1/awards', '/api/v1/awards', { achievementId: draft.id, recipient: { email: 'hopper@example.edu', name: 'Grace Hopper' } });
    expect(manual.status).toBe(201);
    expect((await call.post('/api/v1/awards', '/api/v1/awards', { achievementId: draft.id, recipient: { email: 'hopper@example.edu' } })).status).toBe(200);
    let award = (await call.get('/api/v1/awards/{id}', `/api/v1/awards/${manual.body.id}`)).body;
    for (let i = 0; i < 150 && !award.credentialId; i++) {
      await new Promise((r) => setTimeout(r, 100));
      award = (await call.get('/api/v1/awards/{id}', `/api/v1/awards/${manual.body.id}`)).body;
    }
    expect(award.credentialId).toMatch(/^[0-9a-f-]{36}$/);

    // Learners and their CLR; verifying the signed credential.
    const learners = (await call.get('/api/v1/learners', `/api/v1/learners?courseId=${course.id}&limit=1`)).body;
    expect(learners.nextCursor).toEqual(expect.any(String));
    expect((await call.get('/api/v1/learners/{id}', `/api/v1/learners/${award.learner.id}`)).body.courseIds).toEqual([course.id]);
    expect((await call.get('/api/v1/learners/{id}', `/api/v1/learners/${missing}`)).status).toBe(404);
    expect((await call.get('/api/v1/learners/{id}/clr', `/api/v1/learners/${award.learner.id}/clr`)).status).toBe(200);
    const signed = await request(app).get(`/credentials/${award.credentialId}`).set('Accept', 'application/json');
    const verdict = await request(app).post('/api/v1/verify').send({ credential: signed.body }).then((r) => check('post', '/api/v1/verify', r));
    expect(verdict.body.verified).toBe(true);
    expect((await call.get('/api/v1/courses/{id}/transcripts', `/api/v1/courses/${course.id}/transcripts`)).status).toBe(202);
    expect((await call.get('/api/v1/courses/{courseId}/analytics', `/api/v1/courses/${course.id}/analytics`)).status).toBe(200);
    expect((await call.post('/api/v1/awards/{id}/revoke', `/api/v1/awards/${manual.body.id}/revoke`, { reason: 'Test' })).body.status).toBe('revoked');
    expect((await call.post('/api/v1/awards/{id}/revoke', `/api/v1/awards/${manual.body.id}/revoke`, { reason: 'Again' })).status).toBe(409);

    // Tiers: the published badge becomes the lowest tier of a ladder.
    const tiers = (await call.put('/api/v1/achievements/{id}/tiers', `/api/v1/achievements/${draft.id}/tiers`, {
      name: 'Lens mastery',
      tiers: [{ name: 'Bronze', rule: { kind: 'score', assignmentId: quiz.id, minPercent: 60 } }, { name: 'Gold', rule: { kind: 'score', assignmentId: quiz.id, minPercent: 90 } }],
    })).body;
    expect(tiers.tiers.map((t: Json) => t.tierName)).toEqual(['Bronze', 'Gold']);
    expect((await call.get('/api/v1/achievements/{id}/tiers', `/api/v1/achievements/${draft.id}/tiers`)).body.id).toBe(tiers.id);
    expect((await call.get('/api/v1/achievements/{id}/tiers/dry-run', `/api/v1/achievements/${draft.id}/tiers/dry-run`)).body.items).toHaveLength(2);
    expect((await call.post('/api/v1/achievements/{id}/tiers/publish', `/api/v1/achievements/${draft.id}/tiers/publish`)).status).toBe(409);
    const plain = (await call.post('/api/v1/achievements', '/api/v1/achievements', { courseId: course.id, name: 'Plain', description: 'd', criteria: { narrative: 'c' }, status: 'draft' })).body;
    expect((await call.get('/api/v1/achievements/{id}/tiers', `/api/v1/achievements/${plain.id}/tiers`)).status).toBe(404);
    const ladder = (await call.put('/api/v1/achievements/{id}/tiers', `/api/v1/achievements/${plain.id}/tiers`, {
      name: 'Plain', tiers: [{ name: 'One', rule: { kind: 'score', assignmentId: quiz.id, minPercent: 50 } }, { name: 'Two', rule: { kind: 'score', assignmentId: quiz.id, minPercent: 70 } }],
    })).body;
    expect((await call.post('/api/v1/achievements/{id}/tiers/publish', `/api/v1/achievements/${ladder.tiers[0].achievement.id}/tiers/publish`)).body.tiers.map((t: Json) => t.achievement.status)).toEqual(['published', 'published']);
    expect((await call.post('/api/v1/achievements/{id}/archive', `/api/v1/achievements/${plain.id}/archive`)).body.status).toBe('archived');
    expect((await call.post('/api/v1/achievements/{id}/archive', `/api/v1/achievements/${plain.id}/archive`)).status).toBe(409);

    // Gradebook import.
    const csv = ['Student,ID,SIS User ID,SIS Login ID,Section,Quiz 2 (355),Current Score', '    Points Possible,,,,,10.00,(read only)', '"Doe, Jane",48,ABC.123,jane,Section 1,8.00,80.00'].join('\r\n');
    const imported = await auth(request(app).post(`/api/v1/courses/${course.id}/gradebook-imports`), eventsToken).type('text/csv').send(csv).then((r) => check('post', '/api/v1/courses/{courseId}/gradebook-imports', r));
    expect(imported.status).toBe(202);
    expect((await call.get('/api/v1/gradebook-imports/{jobId}', `/api/v1/gradebook-imports/${imported.body.jobId}`, eventsToken)).status).toBe(200);

    // Event sources.
    const moodle = await call.post('/api/v1/event-sources', '/api/v1/event-sources', { kind: 'moodle', name: 'Campus Moodle' });
    expect(moodle.body.secret).toEqual(expect.any(String));
    expect((await call.get('/api/v1/event-sources', '/api/v1/event-sources')).body.sources).toHaveLength(1);
    expect((await call.get('/api/v1/event-sources/{sourceId}', `/api/v1/event-sources/${moodle.body.source.id}`)).body.name).toBe('Campus Moodle');
    expect((await call.post('/api/v1/event-sources/{sourceId}/rotate-secret', `/api/v1/event-sources/${moodle.body.source.id}/rotate-secret`)).body.secret).not.toBe(moodle.body.secret);
    expect((await call.delete('/api/v1/event-sources/{sourceId}', `/api/v1/event-sources/${moodle.body.source.id}`)).status).toBe(204);
    expect((await call.delete('/api/v1/event-sources/{sourceId}', `/api/v1/event-sources/${moodle.body.source.id}`)).status).toBe(404);

    // Platforms: register, list, one, activate a pending one, remove.
    const platform = {
      name: 'Biology Moodle', lms: 'moodle', issuer: 'https://moodle.example.edu', clientId: 'client-1', authEndpoint: 'https://moodle.example.edu/mod/lti/auth.php',
      tokenEndpoint: 'https://moodle.example.edu/mod/lti/token.php', jwksUrl: 'https://moodle.example.edu/mod/lti/certs.php', deploymentIds: ['1'],
    };
    const registered = await call.post('/api/v1/platforms', '/api/v1/platforms', platform);
    expect(registered.status).toBe(201);
    const store = new PgLtiStore(db);
    await store.setup();
    const pending = await registerPlatform({ db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY }, { ...platform, issuer: 'https://canvas.example.edu', lms: 'canvas', status: 'pending' });
    expect((await call.get('/api/v1/platforms', '/api/v1/platforms')).body.items).toHaveLength(2);
    expect((await call.get('/api/v1/platforms/{id}', `/api/v1/platforms/${pending.id}`)).body.status).toBe('pending');
    expect((await call.post('/api/v1/platforms/{id}/activate', `/api/v1/platforms/${pending.id}/activate`)).body.status).toBe('active');
    expect((await call.post('/api/v1/platforms/{id}/activate', `/api/v1/platforms/${pending.id}/activate`)).status).toBe(409);
    expect((await call.delete('/api/v1/platforms/{id}', `/api/v1/platforms/${registered.body.platform.id}`)).status).toBe(204);
    expect((await call.delete('/api/v1/platforms/{id}', `/api/v1/platforms/${registered.body.platform.id}`)).status).toBe(409);

    // Tokens.
    const created = await call.post('/api/v1/tokens', '/api/v1/tokens', { name: 'grader', scopes: ['events'] });
    expect(created.body.token).toMatch(/^lrl_/);
    expect((await call.get('/api/v1/tokens', '/api/v1/tokens')).body.items.map((t: Json) => t.name)).toContain('grader');
    expect((await call.get('/api/v1/tokens', '/api/v1/tokens', created.body.token)).status).toBe(403);
    expect((await call.delete('/api/v1/tokens/{id}', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await call.delete('/api/v1/tokens/{id}', `/api/v1/tokens/${created.body.id}`)).status).toBe(404);

    // Every described operation was called and answered at least one success.
    const operations = Object.entries(doc.paths as Json).flatMap(([path, ops]) => Object.keys(ops as Json).map((m) => `${m.toUpperCase()} ${path}`));
    const withoutSuccess = operations.filter((op) => ![...(exercised.get(op) ?? [])].some((s) => s < 300));
    expect(withoutSuccess).toEqual([]);
  }, 120_000);
});
