import express, { type Express } from 'express';
import request from 'supertest';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { MAX_GRADEBOOK_BYTES } from '../../src/events';
import { LtiSessions } from '../../src/lti/session';
import { MAX_BADGE_IMAGE_BYTES } from '../../src/publishing';
import { formatBytes, tooLargeMessage } from '../../src/ui/multipart';
import { createApp } from '../../src/web';
import { createTestContext, type TestContext } from '../support/context';

jest.setTimeout(60_000);

/** Forms with a file field answer an oversized file with a field message and keep what was typed, not a bare 413 page. */
describe('oversized uploads on course page forms', () => {
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
    const teacher = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 't-1', name: 'Terry Teacher' });
    await enroll(db, { courseId: course.id, learnerId: teacher.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], source: 'launch' });
    courseId = course.id;
    const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId: teacher.id, roles: ['instructor'] });
      res.end();
    });
    cookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
  });
  afterAll(() => ctx.close());

  const page = () => `/lti/courses/${courseId}/instructor`;
  async function csrfToken(): Promise<string> {
    const res = await request(app).get(page()).set('Cookie', cookie).set('Accept', 'text/html');
    expect(res.status).toBe(200);
    return /name="_csrf" value="([^"]+)"/.exec(res.text)![1]!;
  }

  it('formats sizes as people read them', () => {
    expect(formatBytes(Math.round(3.2 * 1024 * 1024))).toBe('3.2 MB');
    expect(formatBytes(512 * 1024)).toBe('512 KB');
    expect(tooLargeMessage({ noun: 'image', size: Math.round(3.2 * 1024 * 1024), limit: 1024 * 1024 })).toBe('The image is 3.2 MB; the limit is 1 MB.');
  });

  it('badge image: 3.2 MB -> 422 with the sizes on the image field, the name and description kept', async () => {
    const big = Buffer.alloc(Math.round(3.2 * 1024 * 1024), 0x41);
    const res = await request(app).post(`${page()}/badges`).set('Cookie', cookie).set('Accept', 'text/html')
      .field('_csrf', await csrfToken()).field('imageMode', 'upload').attach('imageFile', big, { filename: 'huge.png', contentType: 'image/png' })
      .field('name', 'Quiz master').field('description', 'Did well on quizzes.').field('criteria', '80% on Quiz 2.');
    expect(res.status).toBe(422);
    expect(res.text).toContain(`The image is 3.2 MB; the limit is ${formatBytes(MAX_BADGE_IMAGE_BYTES)}.`);
    expect(res.text).toContain('value="Quiz master"');
    expect(res.text).toContain('Did well on quizzes.');
  });

  it('gradebook CSV: larger than the limit -> 422 with the sizes on the file field', async () => {
    const big = Buffer.alloc(MAX_GRADEBOOK_BYTES + 300 * 1024, 0x41);
    const res = await request(app).post(`${page()}/imports`).set('Cookie', cookie).set('Accept', 'text/html')
      .field('_csrf', await csrfToken()).attach('gradebook', big, { filename: 'grades.csv', contentType: 'text/csv' });
    expect(res.status).toBe(422);
    expect(res.text).toMatch(new RegExp(`id="gradebook-error">The file is ${formatBytes(big.length).replace('.', '\\.')}; the limit is ${formatBytes(MAX_GRADEBOOK_BYTES)}\\.<`));
  });
});
