import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { createManualCourse } from '../../courses';
import { apiRoute, idParam, pageQuery } from '../../http';
import { badgesDepsFor } from '../context';
import { issueCredentialJob } from '../jobs/issue-credential';
import { awardManuallyInScope, findAchievementInScope, findAwardInScope, listAchievementsInScope, listAwardsPage, revokeAwardInScope } from '../scoped';
import { createAwardBody, createCourseBody, listAchievementsQuery, listAwardsQuery, revokeAwardBody } from '../schema';
import { achievementJsonSchema, awardJsonSchema, awardListItemSchema, createdCourseSchema, revokedAwardSchema } from './api-schema';
import { achievementJson, awardJson } from './present';

/**
 * Admin API for manual issuing (DESIGN section 7): courses outside any LMS, achievements to read,
 * awards to list, make and revoke. Achievement writes (create, edit, publish, tiers) are the
 * publishing module's (src/publishing/web/api.ts).
 */
export function createBadgesApiRouter(ctx: AppContext): Router {
  const router = Router();
  const deps = () => badgesDepsFor(ctx);
  const baseUrl = ctx.config.BASE_URL;
  const enqueueIssue = async (awardId: string) => {
    try {
      await ctx.queues.enqueue(issueCredentialJob, { awardId }, { jobId: awardId });
    } catch (error) {
      // The award is committed; the pending-issue sweep signs it once the queue is back.
      ctx.logger.warn({ err: error, awardId }, 'could not enqueue credential issuing');
    }
  };

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/courses', tag: 'Courses', scopes: ['admin'], summary: 'Create a course outside any LMS (idempotent on externalId)',
    body: createCourseBody, responses: { 201: createdCourseSchema },
  }, async ({ body, scope }) => {
    const course = await createManualCourse(ctx.database.db, { title: body.title, externalId: body.externalId ?? null, platformId: scope.platformId ?? null });
    return { status: 201, body: { id: course.id, title: course.title, externalId: course.external_id } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements', tag: 'Achievements', scopes: ['admin'], summary: 'List achievements, of one course or every course',
    query: listAchievementsQuery, responses: { 200: z.object({ items: z.array(achievementJsonSchema) }) }, problems: [404],
  }, async ({ query, scope }) => {
    const rows = await listAchievementsInScope(deps(), { ...query, scope });
    return { body: { items: rows.map((row) => achievementJson(baseUrl, row)) } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements/:id', tag: 'Achievements', scopes: ['admin'], summary: 'One achievement',
    params: idParam, responses: { 200: achievementJsonSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: achievementJson(baseUrl, await findAchievementInScope(deps(), { achievementId: params.id, scope })) }));

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/awards', tag: 'Awards', scopes: ['admin'], summary: 'Award an achievement by hand (201; a repeat for the same recipient answers the existing award, 200)',
    body: createAwardBody, responses: { 201: awardJsonSchema, 200: awardJsonSchema }, problems: [404, 409],
  }, async ({ body, scope, actor, now }) => {
    const { award, learner, created } = await awardManuallyInScope(deps(), { ...body, actor, scope }, enqueueIssue);
    return { status: created ? 201 : 200, body: awardJson(baseUrl, award, { id: learner.id, email: learner.email, name: learner.name }, now) };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/awards', tag: 'Awards', scopes: ['admin'], summary: 'List awards, oldest first, with filters and cursor paging',
    query: listAwardsQuery.extend({ ...pageQuery }), responses: { 200: z.object({ items: z.array(awardListItemSchema), nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.') }) }, problems: [404],
  }, async ({ query, scope }) => {
    const { items, nextCursor } = await listAwardsPage(deps(), { ...query, scope });
    return { body: { items: items.map(({ id, achievementId, courseId, status, credentialId, learner, score, awardedAt }) => ({ id, achievementId, courseId, status, credentialId, score, awardedAt: awardedAt.toISOString(), learner })), nextCursor } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/awards/:id', tag: 'Awards', scopes: ['admin'], summary: 'One award',
    params: idParam, responses: { 200: awardJsonSchema }, problems: [404],
  }, async ({ params, scope, now }) => {
    const award = await findAwardInScope(deps(), { awardId: params.id, scope });
    return { body: awardJson(baseUrl, award, award.learner, now) };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/awards/:id/revoke', tag: 'Awards', scopes: ['admin'], summary: 'Revoke an award (its credential\'s status bit is set in the same transaction)',
    params: idParam, body: revokeAwardBody, responses: { 200: revokedAwardSchema }, problems: [404, 409],
  }, async ({ params, body, scope, actor }) => {
    const award = await revokeAwardInScope(deps(), { awardId: params.id, reason: body.reason, actor, scope });
    return { body: { id: award.id, achievementId: award.achievement_id, status: award.status, credentialId: award.credential_id, revokedAt: award.revoked_at!.toISOString(), revokedReason: award.revoked_reason! } };
  });

  return router;
}
