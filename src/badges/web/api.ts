import express, { Router } from 'express';
import type { AppContext } from '../../context';
import { createManualCourse } from '../../courses';
import { apiScope, requireToken, tokenActor } from '../../web/auth';
import { handle, validateBody, validateQuery } from '../../web/validate';
import { createAchievement, listAchievements } from '../achievements';
import { listAwards, revokeAward } from '../awards';
import { badgesDepsFor } from '../context';
import { issueCredentialJob } from '../jobs/issue-credential';
import { awardManually } from '../manual';
import { createAchievementBody, createAwardBody, createCourseBody, listAchievementsQuery, listAwardsQuery, revokeAwardBody } from '../schema';
import type { CreateAchievementBody, CreateAwardBody, CreateCourseBody } from '../schema';
import { achievementJson, awardJson } from './present';
import { scopedTo } from '../../tenancy';

/** Admin API for manual issuing (DESIGN section 7), mounted under /api/v1. */
export function createBadgesApiRouter(ctx: AppContext): Router {
  const router = Router();
  // Parsed per route, after authentication, so other routers under /api/v1 keep their raw bodies.
  const admin = [requireToken(ctx, 'admin'), express.json({ limit: '1mb' })];
  const deps = () => badgesDepsFor(ctx);
  const baseUrl = ctx.config.BASE_URL;
  const db = ctx.database.db;
  // A token bound to a platform reaches that platform's courses only (404 for the others).
  const body = (req: express.Request) => req.body as Record<string, string | undefined>;
  const query = (_req: express.Request, locals: Record<string, unknown>) => locals.query as Record<string, string | undefined>;
  const enqueueIssue = async (awardId: string) => {
    try {
      await ctx.queues.enqueue(issueCredentialJob, { awardId }, { jobId: awardId });
    } catch (error) {
      // The award is committed; the pending-issue sweep signs it once the queue is back.
      ctx.logger.warn({ err: error, awardId }, 'could not enqueue credential issuing');
    }
  };

  router.post('/courses', admin, validateBody(createCourseBody), handle(async (req, res) => {
    const body = req.body as CreateCourseBody;
    const course = await createManualCourse(ctx.database.db, { title: body.title, externalId: body.externalId ?? null, platformId: apiScope(res.locals.apiToken).platformId ?? null });
    res.status(201).json({ id: course.id, title: course.title, externalId: course.external_id });
  }));

  router.post('/achievements', admin, validateBody(createAchievementBody), scopedTo(db, 'course', (req) => ({ course: body(req).courseId! })), handle(async (req, res) => {
    const body = req.body as CreateAchievementBody;
    const row = await createAchievement(deps(), {
      ...body,
      criteriaNarrative: body.criteria.narrative,
      alignments: body.alignment,
      actor: tokenActor(res.locals.apiToken),
    });
    res.status(201).location(`${baseUrl}/achievements/${row.id}`).json(achievementJson(baseUrl, row));
  }));

  router.get('/achievements', admin, validateQuery(listAchievementsQuery), scopedTo(db, 'course', (req, locals) => ({ course: query(req, locals).courseId! })), handle(async (_req, res) => {
    const rows = await listAchievements(deps(), { ...(res.locals.query as { courseId?: string }), ...apiScope(res.locals.apiToken) });
    res.json({ items: rows.map((row) => achievementJson(baseUrl, row)) });
  }));

  router.post('/awards', admin, validateBody(createAwardBody), scopedTo(db, 'achievement', (req) => ({ achievement: body(req).achievementId! })), handle(async (req, res) => {
    const body = req.body as CreateAwardBody;
    const { award, learner, created } = await awardManually(deps(), { ...body, actor: tokenActor(res.locals.apiToken) }, enqueueIssue);
    // A repeat for the same recipient answers the existing award (200) instead of a second one.
    res.status(created ? 201 : 200).json(awardJson(baseUrl, award, { id: learner.id, email: learner.email, name: learner.name }, new Date()));
  }));

  router.get('/awards', admin, validateQuery(listAwardsQuery), scopedTo(db, 'course', (req, locals) => ({ course: query(req, locals).courseId! })),
    scopedTo(db, 'achievement', (req, locals) => ({ achievement: query(req, locals).achievementId! })), handle(async (_req, res) => {
    const items = await listAwards(deps(), { ...(res.locals.query as { courseId?: string; achievementId?: string }), ...apiScope(res.locals.apiToken) });
    res.json({ items: items.map(({ id, achievementId, status, credentialId, learner, score, awardedAt }) => ({ id, achievementId, status, credentialId, score, awardedAt, learner })) });
  }));

  router.post('/awards/:id/revoke', admin, validateBody(revokeAwardBody), scopedTo(db, 'award', (req) => ({ award: String(req.params.id) })), handle(async (req, res) => {
    const award = await revokeAward(deps(), { awardId: String(req.params.id), reason: (req.body as { reason: string }).reason, actor: tokenActor(res.locals.apiToken) });
    res.json({ id: award.id, achievementId: award.achievement_id, status: award.status, credentialId: award.credential_id, revokedAt: award.revoked_at?.toISOString(), revokedReason: award.revoked_reason });
  }));

  return router;
}
