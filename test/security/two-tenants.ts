import express, { type Express } from 'express';
import request from 'supertest';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { LtiSessions } from '../../src/lti/session';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

/** One tenant: a platform with a course, a learner, an achievement, an award and a Moodle event source. */
export interface Tenant {
  platformId: string;
  courseId: string;
  learnerId: string;
  achievementId: string;
  awardId: string;
  sourceId: string;
  /** Strings that only this tenant's objects contain: an answer to another tenant must carry none. */
  markers: string[];
  /** An admin+events+transcripts token bound to this platform. */
  token: string;
  /** The LTI session cookie of this platform's institution administrator in its course. */
  adminCookie: string;
}

export interface TwoTenants {
  ctx: TestContext;
  app: Express;
  a: Tenant;
  b: Tenant;
  /** An instance-wide admin token (an operator's). */
  instanceToken: string;
  close(): Promise<void>;
}

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/** Two institutions on one Laurel, each with its objects made through the real API. */
export async function createTwoTenants(): Promise<TwoTenants> {
  const ctx = await createTestContext();
  await new Promise<void>((resolve) => (ctx.redis.status === 'ready' ? resolve() : ctx.redis.once('ready', () => resolve())));
  const app = await createApp(ctx);
  const db = ctx.database.db;
  const { token: instanceToken } = await createToken(db, { name: 'operator', scopes: ['admin'] });
  const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
  const api = (method: 'post' | 'get', path: string, body?: object) => {
    const call = request(app)[method](path).set('Authorization', `Bearer ${instanceToken}`);
    return body ? call.send(body) : call;
  };

  async function tenant(name: string, host: string): Promise<Tenant> {
    const platform = await upsertPlatform(db, { issuer: `https://${host}`, clientId: `${name}-client`, name: `${name} LMS`, lms: 'moodle', authEndpoint: `https://${host}/auth`, tokenEndpoint: `https://${host}/token`, jwksUrl: `https://${host}/certs` });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: `${name}-ctx`, title: `${name} Course` });
    const learner = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: `${name}-learner`, name: `${name} Learner`, email: `${name.toLowerCase()}.learner@${host}` });
    await enroll(db, { courseId: course.id, learnerId: learner.id, roles: [`${LIS}membership#Learner`], source: 'launch' });
    const admin = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: `${name}-admin`, name: `${name} Admin` });
    await enroll(db, { courseId: course.id, learnerId: admin.id, roles: [`${LIS}institution/person#Administrator`], source: 'launch' });
    const achievement = await api('post', '/api/v1/achievements', { courseId: course.id, name: `${name} Badge`, description: `${name} description`, criteria: { narrative: `${name} criteria` } });
    if (achievement.status !== 201) throw new Error(`achievement: ${achievement.status} ${achievement.text}`);
    const award = await api('post', '/api/v1/awards', { achievementId: achievement.body.id, recipient: { email: `${name.toLowerCase()}.recipient@${host}`, name: `${name} Recipient` } });
    if (award.status !== 201) throw new Error(`award: ${award.status} ${award.text}`);
    const source = await api('post', '/api/v1/event-sources', { kind: 'moodle', name: `${name} Source`, platformId: platform.id });
    if (source.status !== 201) throw new Error(`source: ${source.status} ${source.text}`);
    const { token } = await createToken(db, { name: `${name}-bound`, scopes: ['admin', 'events', 'transcripts'], platformId: platform.id });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId: admin.id, roles: ['admin'] });
      res.end();
    });
    const adminCookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
    return {
      platformId: platform.id, courseId: course.id, learnerId: learner.id, achievementId: achievement.body.id, awardId: award.body.id, sourceId: source.body.source.id,
      markers: [platform.id, course.id, learner.id, achievement.body.id, award.body.id, source.body.source.id, `${name} Course`, `${name} Badge`, `${name} Learner`, `${name} Recipient`, `${name} Source`, `${name} LMS`],
      token, adminCookie,
    };
  }

  const a = await tenant('Alpha', 'lms.alpha.edu');
  const b = await tenant('Beta', 'lms.beta.edu');
  return { ctx, app, a, b, instanceToken, close: () => ctx.close() };
}
