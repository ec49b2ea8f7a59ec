import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform, type Platform } from '../../src/courses';
import { clearEventSourceCache, configureCanvasJwks, createEventSource, processParkedEvents, sweepParkedEvents,
  signMoodleBody, type EventSource } from '../../src/events';
import { projectRoot } from '../../src/paths';
import { createEventsTestContext, eventsApp, makeSigningKey, startJwksServer, type EventsTestContext, type JwksServer, type SigningKey } from './support';

const sharedDir = join(projectRoot, '..', 'shared', 'fixtures', 'canvas');
const canvasFixture = (name: string): Record<string, unknown> =>
  existsSync(join(sharedDir, name))
    ? JSON.parse(readFileSync(join(sharedDir, name), 'utf8'))
    : // Without the shared fixtures, a minimal grade_change of the same shape.
      { metadata: { event_name: 'grade_change', event_time: '2019-11-01T19:11:05.222Z', context_type: 'Course', context_id: '21070000000000565' }, body: { assignment_id: '21070000000000355', student_id: '21070000000000048', user_id: '21070000000000048', score: 5, points_possible: 1, submission_id: '21070000000011086', muted: false } };
const local = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, 'fixtures', name), 'utf8'));

describe('event intake over HTTP', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let jwks: JwksServer;
  let key: SigningKey;
  let platform: Platform;
  let canvas: EventSource;
  let moodle: EventSource;

  beforeAll(async () => {
    // No cooldown between JWKS refetches, so key rotation is observable within one test.
    configureCanvasJwks({ cooldownMs: 0 });
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    jwks = await startJwksServer();
    key = await makeSigningKey('2026-11-01T00:00:00Z_current');
    jwks.keys = [key.publicJwk];
    const db = ctx.database.db;
    platform = await upsertPlatform(db, { issuer: 'https://canvas.instructure.com', clientId: '10000000000360', name: 'Canvas', lms: 'canvas', authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://canvas.example/login/oauth2/token', jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks' });
    // A launch recorded Canvas's local ids ($Canvas.course.id, $Canvas.user.id); events carry global ids.
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: 'ctx-565', title: 'Course 565', lmsCourseId: '565' });
    await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'sub-48', lmsUserId: '48' });
    canvas = await createEventSource(db, { kind: 'canvas', platformId: platform.id, jwksUrl: jwks.url });
    moodle = await createEventSource(db, { kind: 'moodle', secret: 'moodle-shared-secret-0123456789' });
  });
  afterAll(async () => {
    await jwks.close();
    await ctx.close();
    configureCanvasJwks({});
    clearEventSourceCache();
  });

  const countEvents = async () => Number((await ctx.tdb.pool.query('select count(*) from score_events')).rows[0].count);
  // Intake queues evaluate-batch jobs ({eventIds}); the relay and the parked sweep queue one-event jobs ({eventId}).
  const evaluateJobs = async (eventId: string) =>
    (await ctx.queues.get('evaluate').getJobs(['waiting', 'delayed', 'active', 'completed', 'failed'])).filter(
      (job) => job.data.eventId === eventId || (job.data.eventIds as string[] | undefined)?.includes(eventId),
    );
  // The 202 follows the commit; the evaluation is queued right after, without holding the LMS.
  const queuedJobs = async (eventId: string) => {
    for (let i = 0; i < 40 && (await evaluateJobs(eventId)).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    return evaluateJobs(eventId);
  };
  const postCanvas = (body: string, type = 'application/jwt', sourceId = canvas.id) => request(app).post(`/events/canvas/${sourceId}`).set('Content-Type', type).send(body);

  describe('Canvas Live Events', () => {
    it('accepts a signed grade_change, maps the global ids, stores it, queues it once', async () => {
      const res = await postCanvas(await key.sign(canvasFixture('grade_change.canvas.example.json')));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: true, duplicate: false, status: 'pending' });
      const row = (await ctx.tdb.pool.query('select * from score_events where id = $1', [res.body.eventId])).rows[0];
      expect(row).toMatchObject({ origin: 'canvas', kind: 'score', lms_user_id: '21070000000000048', lms_course_id: '21070000000000565', status: 'pending' });
      expect(row.course_id).not.toBeNull();
      expect(row.learner_id).not.toBeNull();
      expect(await queuedJobs(res.body.eventId)).toHaveLength(1);

      const again = await postCanvas(await key.sign(canvasFixture('grade_change.canvas.example.json')));
      expect(again.status).toBe(202);
      expect(again.body).toMatchObject({ accepted: true, duplicate: true, eventId: res.body.eventId });
    });

    it('accepts a signed Caliper GradeEvent', async () => {
      const res = await postCanvas(await key.sign(local('caliper/grade_change.caliper.json')));
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ accepted: true, duplicate: false, status: 'pending' });
    });

    it('acknowledges event types Laurel does not use without storing them', async () => {
      const before = await countEvents();
      const res = await postCanvas(await key.sign({ metadata: { event_name: 'asset_accessed', event_time: '2019-11-01T00:07:59.476Z' }, body: {} }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ accepted: true, duplicate: false, ignored: 'event type not used by Laurel' });
      expect(await countEvents()).toBe(before);
    });

    it('verifies a rotated key after refetching the JWKS on an unknown kid', async () => {
      const next = await makeSigningKey('2026-12-01T00:00:00Z_next');
      const fetches = jwks.fetches;
      jwks.keys = [key.publicJwk, next.publicJwk];
      const payload = { ...canvasFixture('grade_change.canvas.example.json'), metadata: { event_name: 'grade_change', event_time: '2019-11-02T10:00:00Z', context_type: 'Course', context_id: '21070000000000565' } };
      const res = await postCanvas(await next.sign(payload));
      expect(res.status).toBe(202);
      expect(jwks.fetches).toBeGreaterThan(fetches);
    });

    it.each([
      ['a forged signature (right kid, wrong key)', async () => (await makeSigningKey('2026-11-01T00:00:00Z_current')).sign(canvasFixture('grade_change.canvas.example.json')), 401, 'ERR_EVENT_SIGNATURE'],
      ['an unknown kid', async () => (await makeSigningKey('nobody')).sign(canvasFixture('grade_change.canvas.example.json')), 401, 'ERR_EVENT_SIGNATURE'],
      ['unsigned JSON on a signed source', async () => JSON.stringify(canvasFixture('grade_change.canvas.example.json')), 401, 'ERR_EVENT_SIGNATURE'],
      ['an expired JWT', async () => key.sign({ ...canvasFixture('grade_change.canvas.example.json'), exp: Math.floor(Date.now() / 1000) - 3600 }), 401, 'ERR_EVENT_STALE'],
      ['neither JWT nor JSON', async () => 'hello', 400, 'ERR_EVENT_MALFORMED'],
      ['a signed JWT whose claims are not an event', async () => key.sign({ hello: 'world' }), 400, 'ERR_EVENT_MALFORMED'],
    ])('refuses %s and stores nothing', async (_name, body, status, code) => {
      const before = await countEvents();
      const res = await postCanvas(await body());
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(await countEvents()).toBe(before);
    });

    it('refuses an HS256 token (algorithm allow-list)', async () => {
      const { SignJWT } = await import('jose');
      const token = await new SignJWT(canvasFixture('grade_change.canvas.example.json')).setProtectedHeader({ alg: 'HS256', kid: key.kid }).sign(new TextEncoder().encode('x'.repeat(32)));
      const res = await postCanvas(token);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('ERR_EVENT_SIGNATURE');
    });

    it('answers 503 when the JWKS cannot be fetched, so Canvas retries', async () => {
      const dead = await createEventSource(ctx.database.db, { kind: 'canvas', platformId: platform.id, jwksUrl: 'http://127.0.0.1:9/jwks' });
      const res = await postCanvas(await key.sign(canvasFixture('grade_change.canvas.example.json')), 'application/jwt', dead.id);
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('ERR_UNAVAILABLE');
      const source = (await ctx.tdb.pool.query('select last_error from event_sources where id = $1', [dead.id])).rows[0];
      expect(source.last_error).toMatch(/^ERR_UNAVAILABLE/);
    });

    it('413 for an oversized body, 415 for a wrong media type, 404 for an unknown or mismatched source', async () => {
      expect((await postCanvas('a'.repeat(300 * 1024))).status).toBe(413);
      const wrongType = await postCanvas(await key.sign(canvasFixture('grade_change.canvas.example.json')), 'text/html');
      expect(wrongType.status).toBe(415);
      expect(wrongType.body.code).toBe('ERR_UNSUPPORTED_MEDIA_TYPE');
      expect((await postCanvas('x.y.z', 'application/jwt', '00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await postCanvas('x.y.z', 'application/jwt', 'not-a-uuid')).status).toBe(404);
      // A Moodle source id on the Canvas route.
      expect((await postCanvas('x.y.z', 'application/jwt', moodle.id)).status).toBe(404);
    });

    it('parks an event for a learner not yet known and processes it once a launch maps them', async () => {
      const payload = canvasFixture('grade_change.canvas.example.json') as { metadata: Record<string, unknown>; body: Record<string, unknown> };
      const unknownLearner = { ...payload, body: { ...payload.body, student_id: '21070000000000777', user_id: '21070000000000777' } };
      const res = await postCanvas(await key.sign(unknownLearner));
      expect(res.status).toBe(202);
      expect(res.body.status).toBe('parked');
      expect(await evaluateJobs(res.body.eventId)).toHaveLength(0);

      expect(await processParkedEvents(ctx, { platformId: platform.id })).toBe(0);
      expect(await sweepParkedEvents(ctx)).toBe(0);
      await upsertLtiLearner(ctx.database.db, { platformId: platform.id, ltiUserId: 'sub-777', lmsUserId: '777' });
      // The worker's periodic sweep finds it, whichever path recorded the mapping.
      expect(await sweepParkedEvents(ctx)).toBe(1);
      expect(await processParkedEvents(ctx, { platformId: platform.id })).toBe(0);
      const row = (await ctx.tdb.pool.query('select status, learner_id from score_events where id = $1', [res.body.eventId])).rows[0];
      expect(row.status).toBe('pending');
      expect(row.learner_id).not.toBeNull();
      expect(await evaluateJobs(res.body.eventId)).toHaveLength(1);
    });
  });

  describe('Moodle plugin deliveries', () => {
    const body = JSON.stringify(local('moodle-user_graded.json'));
    const nowSeconds = () => Math.floor(Date.now() / 1000);
    const postMoodle = (props: { body?: string; timestamp?: number | null; signature?: string | null; type?: string; secret?: string } = {}) => {
      const payload = props.body ?? body;
      const timestamp = props.timestamp === undefined ? nowSeconds() : props.timestamp;
      const req = request(app).post(`/events/moodle/${moodle.id}`).set('Content-Type', props.type ?? 'application/json');
      if (timestamp !== null) req.set('X-Laurel-Timestamp', String(timestamp));
      const signature = props.signature === undefined ? signMoodleBody({ secret: props.secret ?? moodle.secret!, timestamp: timestamp ?? 0, body: payload }) : props.signature;
      if (signature !== null) req.set('X-Laurel-Signature', signature);
      return req.send(payload);
    };

    it('accepts the plugin payload with a valid signature, parked until the platform is known', async () => {
      const res = await postMoodle();
      expect(res.status).toBe(202);
      // This source is bound to no platform yet: the event is kept, not dropped.
      expect(res.body).toMatchObject({ accepted: true, duplicate: false, status: 'parked' });
      const again = await postMoodle();
      expect(again.body).toMatchObject({ duplicate: true, eventId: res.body.eventId });
    });

    it('accepts a module deletion', async () => {
      const res = await postMoodle({ body: JSON.stringify(local('moodle-course_module_deleted.json')) });
      expect(res.status).toBe(202);
    });

    it.each([
      ['a signature made with another secret', { secret: 'another-secret-0123456789abcdef' }, 401, 'ERR_EVENT_SIGNATURE'],
      ['no signature', { signature: null }, 401, 'ERR_EVENT_SIGNATURE'],
      ['no timestamp', { timestamp: null }, 401, 'ERR_EVENT_SIGNATURE'],
      ['a malformed signature header', { signature: 'md5=abc' }, 401, 'ERR_EVENT_SIGNATURE'],
      ['a stale timestamp (10 min old), correctly signed', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 401, 'ERR_EVENT_STALE'],
      ['a timestamp from the future (10 min ahead)', { timestamp: Math.floor(Date.now() / 1000) + 600 }, 401, 'ERR_EVENT_STALE'],
      ['a body changed after signing', { signature: signMoodleBody({ secret: 'moodle-shared-secret-0123456789', timestamp: Math.floor(Date.now() / 1000), body: '{}' }) }, 401, 'ERR_EVENT_SIGNATURE'],
      ['a signed body that is not the plugin payload', { body: JSON.stringify({ schema: 'laurel.moodle.v1' }) }, 400, 'ERR_EVENT_MALFORMED'],
      ['signed invalid JSON', { body: '{"schema":' }, 400, 'ERR_EVENT_MALFORMED'],
      ['a NUL character (PostgreSQL cannot store it)', { body: JSON.stringify({ ...(local('moodle-user_graded.json') as Record<string, unknown>), id: 'nul-1', item: { ...(local('moodle-user_graded.json') as { item: object }).item, name: 'Quiz\u0000 1' } }) }, 400, 'ERR_EVENT_MALFORMED'],
      ['a form body', { type: 'application/x-www-form-urlencoded' }, 415, 'ERR_UNSUPPORTED_MEDIA_TYPE'],
    ])('refuses %s', async (_name, props, status, code) => {
      const before = await countEvents();
      const res = await postMoodle(props);
      expect(res.status).toBe(status);
      expect(res.body.code).toBe(code);
      expect(await countEvents()).toBe(before);
    });
  });
});
