import express from 'express';
import request from 'supertest';
import type { Express } from 'express';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { listPlatforms } from '../../src/lti';
import { LtiSessions } from '../../src/lti/session';
import { createApp } from '../../src/web';
import { createTestContext, type TestContext } from '../support/context';

jest.setTimeout(60_000);

describe('admin console: manual platform registration', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    await new Promise<void>((resolve) => (ctx.redis.status === 'ready' ? resolve() : ctx.redis.once('ready', () => resolve())));
    app = await createApp(ctx);
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://moodle.school.edu', clientId: 'abc', name: 'School Moodle', lms: 'moodle', authEndpoint: 'https://moodle.school.edu/mod/lti/auth.php', tokenEndpoint: 'https://moodle.school.edu/mod/lti/token.php', jwksUrl: 'https://moodle.school.edu/mod/lti/certs.php' });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx-1', title: 'Biology' });
    const admin = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'admin-1', name: 'Ada Admin' });
    await enroll(db, { courseId: course.id, learnerId: admin.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator'], source: 'launch' });
    courseId = course.id;
    // The cookie a verified launch would have set.
    const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId: admin.id, roles: ['admin'] });
      res.end();
    });
    cookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
  });
  afterAll(() => ctx.close());

  async function csrfToken(): Promise<string> {
    const page = await request(app).get(`/lti/courses/${courseId}/admin`).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Register a platform manually');
    return /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  }

  const valid = {
    name: 'Chemistry Canvas', lms: 'canvas', issuer: 'https://canvas.instructure.com', clientId: '10000000000042',
    authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
    jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks', deploymentIds: '7:abc, 8:def',
  };

  it('answers field-level messages for a bad form and registers nothing', async () => {
    const _csrf = await csrfToken();
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send({ ...valid, jwksUrl: 'not a url', deploymentIds: '', _csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter the public keyset URL as a web address starting with https://.');
    expect(res.text).toContain('Enter at least one deployment id');
    expect(res.text).toMatch(/id="platform-jwksUrl"[^>]*aria-invalid="true"/);
    expect((await listPlatforms(ctx.database.db)).map((p) => p.client_id)).not.toContain(valid.clientId);
  });

  it('registers a platform with its deployments, shows the tool URLs and audits it', async () => {
    const _csrf = await csrfToken();
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send({ ...valid, _csrf });
    expect(res.status).toBe(201);
    expect(res.text).toContain(`${ctx.config.BASE_URL}/lti/login`);
    expect(res.text).toContain(`${ctx.config.BASE_URL}/lti/canvas.json`);
    const registered = (await listPlatforms(ctx.database.db)).find((p) => p.client_id === valid.clientId);
    expect(registered).toMatchObject({ status: 'active', lms: 'canvas', deploymentIds: expect.arrayContaining(['7:abc', '8:def']) });
    const { rows } = await ctx.tdb.pool.query(`select action, subject_id from audit_log where action = 'platform.registered'`);
    expect(rows).toEqual([{ action: 'platform.registered', subject_id: registered!.id }]);
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send(valid);
    expect(res.status).toBe(403);
  });
});
