import request from 'supertest';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { issueCredentialJob } from '../../src/badges';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { createSigner, createVerifier } from '../../src/credentials';
import { configureCanvasJwks, createEventSource, evaluateBatchJob, evaluateEventJob, signMoodleBody } from '../../src/events';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { makeSigningKey, startJwksServer, type JwksServer } from './support';

/**
 * The grade-to-badge journey on the real app and real workers: a signed Canvas Live Event, a signed
 * Moodle plugin delivery and a generic API event each take a learner over the threshold, and each
 * ends as a stored credential that verifies. The latency from the 202 to the stored credential is
 * printed (the issue's target is under 5 s; this suite only fails past 30 s, the machine is shared).
 */
describe('grade event to verifiable credential, end to end', () => {
  let ctx: TestContext;
  let app: Express;
  let workers: WorkerHost;
  let token: string;
  let jwks: JwksServer;

  beforeAll(async () => {
    configureCanvasJwks({ cooldownMs: 0 });
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    workers = startWorkers(ctx, { jobs: [evaluateEventJob, evaluateBatchJob, issueCredentialJob], concurrency: 2 });
    token = (await createToken(ctx.database.db, { name: 'e2e-events', scopes: ['admin'] })).token;
    jwks = await startJwksServer();
  });
  afterAll(async () => {
    await workers.close(5000);
    await jwks.close();
    await ctx.close();
    configureCanvasJwks({});
  });

  const api = (method: 'get' | 'post', path: string) => request(app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  async function achievementFor(courseId: string, assignmentId: string): Promise<string> {
    const res = await api('post', '/achievements').send({
      courseId, name: `Passed ${assignmentId}`, description: 'Reached 80%.', criteria: { narrative: 'At least 80%.' },
      rule: { kind: 'score', assignmentId, minPercent: 80 },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function credentialOf(achievementId: string, since: number): Promise<{ credential: Record<string, unknown>; ms: number }> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const list = await api('get', `/awards?achievementId=${achievementId}`);
      const item = (list.body.items as { credentialId: string | null }[])[0];
      if (item?.credentialId) {
        const ms = Date.now() - since;
        const json = await request(app).get(`/credentials/${item.credentialId}`).set('Accept', 'application/ld+json');
        return { credential: JSON.parse(json.text) as Record<string, unknown>, ms };
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no credential within 30 s');
  }

  async function expectVerified(credential: Record<string, unknown>): Promise<void> {
    const db = ctx.database.db as unknown as Kysely<unknown>;
    const verify = createVerifier({ db, config: ctx.config, signer: await createSigner(db, ctx.config) });
    const result = await verify(credential);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
  }

  it('Canvas (signed Live Event), Moodle (plugin delivery) and the generic API each produce a verifiable credential', async () => {
    const db = ctx.database.db;
    const latencies: Record<string, number> = {};

    // Canvas: a launch recorded the learner's and course's Canvas ids.
    const canvas = await upsertPlatform(db, { issuer: 'https://canvas.instructure.com', clientId: '10000000000360', name: 'Canvas', lms: 'canvas', authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://canvas.example.edu/login/oauth2/token', jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks' });
    const canvasCourse = await upsertLtiCourse(db, { platformId: canvas.id, deploymentRowId: null, contextId: 'ctx-565', title: 'Biology', lmsCourseId: '565' });
    await upsertLtiLearner(db, { platformId: canvas.id, ltiUserId: 'sub-48', lmsUserId: '48', email: 'ada@example.edu', name: 'Ada' });
    const key = await makeSigningKey('live-events-1');
    jwks.keys = [key.publicJwk];
    const canvasSource = await createEventSource(db, { kind: 'canvas', platformId: canvas.id, jwksUrl: jwks.url });
    const canvasAchievement = await achievementFor(canvasCourse.id, '21070000000000355');
    const jwt = await key.sign({
      metadata: { event_name: 'grade_change', event_time: new Date().toISOString(), context_type: 'Course', context_id: '21070000000000565' },
      body: { assignment_id: '21070000000000355', submission_id: '21070000000011086', student_id: '21070000000000048', user_id: '21070000000000048', score: 9, points_possible: 10, grade: '9', muted: false, grading_complete: true },
    });
    let t0 = Date.now();
    const canvasRes = await request(app).post(`/events/canvas/${canvasSource.id}`).set('Content-Type', 'application/jwt').send(jwt);
    expect(canvasRes.status).toBe(202);
    const fromCanvas = await credentialOf(canvasAchievement, t0);
    latencies.canvas = fromCanvas.ms;
    await expectVerified(fromCanvas.credential);

    // Moodle: context id = course id, sub = user id.
    const moodle = await upsertPlatform(db, { issuer: 'http://127.0.0.1:8080', clientId: 'WH5GWy76UFHzIm6', name: 'Moodle', lms: 'moodle', authEndpoint: 'http://127.0.0.1:8080/mod/lti/auth.php', tokenEndpoint: 'http://127.0.0.1:8080/mod/lti/token.php', jwksUrl: 'http://127.0.0.1:8080/mod/lti/certs.php' });
    const moodleCourse = await upsertLtiCourse(db, { platformId: moodle.id, deploymentRowId: null, contextId: '2', title: 'LTI Lab Course' });
    await upsertLtiLearner(db, { platformId: moodle.id, ltiUserId: '4', email: 'student1@example.com', name: 'Student One' });
    const moodleSource = await createEventSource(db, { kind: 'moodle', platformId: moodle.id });
    const moodleAchievement = await achievementFor(moodleCourse.id, '12');
    const body = JSON.stringify({
      schema: 'laurel.moodle.v1', id: `ug-57-${Date.now()}`, event: 'user_graded', time: Math.floor(Date.now() / 1000),
      site: { url: 'http://127.0.0.1:8080' }, course: { id: '2' }, user: { id: '4' },
      // A manual grade item (no module), so the rule's "12" is the grade item id.
      item: { id: '12', name: 'Capture Activity', grademax: 50 }, grade: { finalgrade: 45, hidden: false, excluded: false },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    t0 = Date.now();
    const moodleRes = await request(app).post(`/events/moodle/${moodleSource.id}`).set('Content-Type', 'application/json')
      .set('X-Laurel-Timestamp', String(timestamp)).set('X-Laurel-Signature', signMoodleBody({ secret: moodleSource.secret!, timestamp, body })).send(body);
    expect(moodleRes.status).toBe(202);
    const fromMoodle = await credentialOf(moodleAchievement, t0);
    latencies.moodle = fromMoodle.ms;
    await expectVerified(fromMoodle.credential);

    // Generic API on a course outside any LMS.
    const course = await api('post', '/courses').send({ title: 'Statistics 200' });
    const apiAchievement = await achievementFor(course.body.id, 'proj-1');
    t0 = Date.now();
    const apiRes = await api('post', '/events').send({ id: 'e2e-1', courseId: course.body.id, learner: { id: 'k', email: 'katherine@example.edu', name: 'Katherine' }, assignment: { id: 'proj-1', name: 'Project' }, scoreGiven: 93, scoreMaximum: 100, occurredAt: new Date().toISOString() });
    expect(apiRes.status).toBe(202);
    const fromApi = await credentialOf(apiAchievement, t0);
    latencies.api = fromApi.ms;
    await expectVerified(fromApi.credential);

    console.info(JSON.stringify({ e2e: 'event-accepted-to-credential-stored', ms: latencies }));
  }, 180_000);
});
