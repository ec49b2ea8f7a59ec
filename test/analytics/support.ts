// A course launched from an LMS with an instructor session, a published badge and issued credentials:
// what the analytics tests (HTTP and browser) need.
import express from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential } from '../../src/badges';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertManualLearner, upsertPlatform } from '../../src/courses';
import { LtiSessions } from '../../src/lti/session';
import type { TestContext } from '../support/context';

export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';

export interface AnalyticsFixture {
  courseId: string;
  achievementId: string;
  otherAchievementId: string;
  /** Credential ids of the main badge: [public, public, private]. */
  credentials: string[];
  statusListId: string;
  /** The instructor's session cookie. */
  cookie: { name: string; value: string };
  /** Learners holding the credentials, in the same order. */
  learnerIds: string[];
  /** A session cookie for someone enrolled in the course (enrols them first). */
  sessionFor(learnerId: string, role: 'instructor' | 'learner'): Promise<{ name: string; value: string }>;
}

export async function analyticsFixture(ctx: TestContext, tag: string): Promise<AnalyticsFixture> {
  const db = ctx.database.db;
  const platform = await upsertPlatform(db, { issuer: `https://lms-${tag}.example.edu`, clientId: 'c1', name: 'LMS', lms: 'canvas', authEndpoint: 'https://lms.example.edu/auth', tokenEndpoint: 'https://lms.example.edu/token', jwksUrl: 'https://lms.example.edu/jwks' });
  const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
  const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: `ctx-${tag}`, title: 'Marine biology' });
  const teacher = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: `teacher-${tag}`, name: 'Tess Teacher' });
  await enroll(db, { courseId: course.id, learnerId: teacher.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], source: 'launch' });

  const deps = badgesDepsFor(ctx);
  const badge = (name: string) => createAchievement(deps, {
    courseId: course.id, name, description: `${name}: knows the sea.`, criteriaNarrative: 'At least 80% on the reef quiz.',
    rule: { kind: 'score', assignmentId: 'reef', minPercent: 80 }, actor: 'test',
  });
  const achievement = await badge('Reef Explorer');
  const other = await badge('Tide Reader');
  const credentials: string[] = [];
  const learnerIds: string[] = [];
  for (const [i, visibility] of (['public', 'public', 'private'] as const).entries()) {
    const learner = await upsertManualLearner(db, { email: `sea${i}-${tag}@example.edu`, name: `Diver ${i}` });
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 90, evidence: [{ name: 'Reef quiz' }], visibility, actor: 'test', source: 'rule' });
    credentials.push((await issueCredential(deps, { awardId: award.id })).credential.id);
    learnerIds.push(learner.id);
  }
  const { rows } = await sql<{ status_list_id: string }>`select status_list_id from credentials where id = ${credentials[0]}`.execute(db);
  const statusListId = rows[0]!.status_list_id;

  // The cookie a verified launch would have set.
  const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
  const sessionFor = async (learnerId: string, role: 'instructor' | 'learner') => {
    if (learnerId !== teacher.id) await enroll(db, { courseId: course.id, learnerId, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], source: 'roster' });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: platform.id, courseId: course.id, learnerId, roles: [role] });
      res.end();
    });
    const [name, value] = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!.split('=') as [string, string];
    return { name, value };
  };
  const cookie = await sessionFor(teacher.id, 'instructor');
  return { courseId: course.id, achievementId: achievement.id, otherAchievementId: other.id, credentials, statusListId, cookie, learnerIds, sessionFor };
}
