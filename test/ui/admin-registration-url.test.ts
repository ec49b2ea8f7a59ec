import express from 'express';
import request from 'supertest';
import type { Express } from 'express';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { LtiSessions } from '../../src/lti/session';
import { createApp } from '../../src/web';
import { createTestContext, type TestContext } from '../support/context';

jest.setTimeout(60_000);

const KEY = 'console-registration-key-0123456789';

describe('admin console: the Dynamic Registration URL with its key', () => {
  let ctx: TestContext;
  let app: Express;
  let courseId: string;
  const cookies: Record<'admin' | 'learner', string> = { admin: '', learner: '' };

  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu', REGISTRATION_KEY: KEY, REGISTRATION_APPROVAL: 'manual' });
    await new Promise<void>((resolve) => (ctx.redis.status === 'ready' ? resolve() : ctx.redis.once('ready', () => resolve())));
    app = await createApp(ctx);
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://moodle.school.edu', clientId: 'abc', name: 'School Moodle', lms: 'moodle', authEndpoint: 'https://moodle.school.edu/mod/lti/auth.php', tokenEndpoint: 'https://moodle.school.edu/mod/lti/token.php', jwksUrl: 'https://moodle.school.edu/mod/lti/certs.php' });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx-1', title: 'Biology' });
    courseId = course.id;
    const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
    for (const role of ['admin', 'learner'] as const) {
      const person = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: `${role}-1`, name: role });
      await enroll(db, { courseId: course.id, learnerId: person.id, roles: [role === 'admin' ? 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator' : 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], source: 'launch' });
      const minter = express().get('/mint', async (_req, res) => {
        await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId: person.id, roles: [role] });
        res.end();
      });
      cookies[role] = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
    }
  });
  afterAll(() => ctx.close());

  it('shows the URL with the key to an administrator, uncached', async () => {
    const page = await request(app).get(`/lti/courses/${courseId}/admin`).set('Cookie', cookies.admin).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    // Handlebars escapes `=` as &#x3D; (the browser shows and copies it as `=`).
    expect(page.text.replace(/&#x3D;/g, '=')).toContain(`https://laurel.example.edu/lti/register?key=${KEY}`);
    expect(page.text).toContain('wait here as pending');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('shows the key neither to a learner nor on the public home page', async () => {
    const learner = await request(app).get(`/lti/courses/${courseId}/learner`).set('Cookie', cookies.learner).set('Accept', 'text/html');
    expect(learner.status).toBe(200);
    expect(learner.text).not.toContain(KEY);
    expect((await request(app).get(`/lti/courses/${courseId}/admin`).set('Cookie', cookies.learner).set('Accept', 'text/html')).status).toBe(403);
    const home = await request(app).get('/');
    expect(home.status).toBe(200);
    expect(home.text).not.toContain(KEY);
  });
});
