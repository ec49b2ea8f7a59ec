// Shared helpers for the in-course tests: waiting on the database, and the signed-in
// course fixture the admin console (and instructor page) tests start from.
import express, { type Express } from 'express';
import request from 'supertest';
import type { Config } from '../../src/config';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import type { CourseRole } from '../../src/lti/roles';
import { LtiSessions } from '../../src/lti/session';
import { addOperator } from '../../src/operators';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/** Polls until `probe` returns a value (not undefined/null/false) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A person in the fixture course: their LTI user, the LIS role they are enrolled with and the session role. */
export interface CoursePerson {
  ltiUserId: string;
  name: string;
  lisRole: string;
  sessionRole: CourseRole;
}

export const ADMINISTRATOR: CoursePerson = { ltiUserId: 'admin-1', name: 'Ada Admin', lisRole: 'http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator', sessionRole: 'admin' };
export const INSTRUCTOR: CoursePerson = { ltiUserId: 't-1', name: 'Terry Teacher', lisRole: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor', sessionRole: 'instructor' };
export const LEARNER: CoursePerson = { ltiUserId: 'learner-1', name: 'Lee Learner', lisRole: 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner', sessionRole: 'learner' };

export interface AdminConsoleFixtureOptions {
  /** Config overrides for the test context (BASE_URL, REGISTRATION_KEY, ...). */
  config?: Partial<Record<keyof Config, string>>;
  /** Who `cookie` signs in; the administrator unless said otherwise. */
  person?: CoursePerson;
  /** Which course page `pagePath` and `csrfToken()` read. */
  page?: 'admin' | 'instructor';
  /** Name `person` an instance operator (`laurel operator add`): issuers, keys, platform approval, instance tokens. */
  operator?: boolean;
}

export interface AdminConsoleFixture {
  ctx: TestContext;
  app: Express;
  /** The 'School Moodle' platform the course belongs to. */
  platformId: string;
  /** The 'Biology' course. */
  courseId: string;
  /** `name=value` of the session cookie a verified launch of `person` would have set. */
  cookie: string;
  /** `/lti/courses/<courseId>/<page>`. */
  pagePath: string;
  /** Enrolls another person in the course and returns their session cookie. */
  signIn(person: CoursePerson): Promise<string>;
  /** GETs the page as `person` (expects 200) and returns its HTML and form CSRF token. */
  openPage(): Promise<{ html: string; csrf: string }>;
  csrfToken(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A test context and app with one Moodle platform ('School Moodle'), deployment '1', the course 'Biology'
 * and `person` (the administrator by default) enrolled and signed in through LtiSessions, as a
 * verified LTI launch leaves them.
 */
export async function createAdminConsoleFixture(options: AdminConsoleFixtureOptions = {}): Promise<AdminConsoleFixture> {
  const ctx = await createTestContext(options.config);
  await new Promise<void>((resolve) => (ctx.redis.status === 'ready' ? resolve() : ctx.redis.once('ready', () => resolve())));
  const app = await createApp(ctx);
  const db = ctx.database.db;
  const platform = await upsertPlatform(db, { issuer: 'https://moodle.school.edu', clientId: 'abc', name: 'School Moodle', lms: 'moodle', authEndpoint: 'https://moodle.school.edu/mod/lti/auth.php', tokenEndpoint: 'https://moodle.school.edu/mod/lti/token.php', jwksUrl: 'https://moodle.school.edu/mod/lti/certs.php' });
  const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
  const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx-1', title: 'Biology' });
  const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });

  async function signIn(person: CoursePerson): Promise<string> {
    const learner = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: person.ltiUserId, name: person.name });
    await enroll(db, { courseId: course.id, learnerId: learner.id, roles: [person.lisRole], source: 'launch' });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId: learner.id, roles: [person.sessionRole] });
      res.end();
    });
    return (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
  }

  const cookie = await signIn(options.person ?? ADMINISTRATOR);
  if (options.operator) await addOperator(db, { platformId: platform.id, ltiUserId: (options.person ?? ADMINISTRATOR).ltiUserId });
  const pagePath = `/lti/courses/${course.id}/${options.page ?? 'admin'}`;
  async function openPage(): Promise<{ html: string; csrf: string }> {
    const page = await request(app).get(pagePath).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    return { html: page.text, csrf: /name="_csrf" value="([^"]+)"/.exec(page.text)![1]! };
  }
  return {
    ctx, app, platformId: platform.id, courseId: course.id, cookie, pagePath, signIn, openPage,
    csrfToken: async () => (await openPage()).csrf,
    close: () => ctx.close(),
  };
}
