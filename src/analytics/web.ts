import { describeApiOperation } from '../http';
import { z } from 'zod';
import { Router } from 'express';
import type { AppContext } from '../context';
import { badgesDepsFor, linkedInAddToProfile, loadPublicCredential } from '../badges';
import { LaurelError } from '../errors';
import { requireToken } from '../http';
import { publicRateLimit } from '../http';
import { handle, validateQuery } from '../http';
import { analyticsRecorder } from './hooks';
import { courseReport } from './report';
import { analyticsParams, analyticsQuery, credentialParams, type AnalyticsQuery } from './schema';
import { publicRoute } from '../http';
import { scopedTo } from '../tenancy';

/**
 * Analytics routes: the LinkedIn redirect that counts a click (`GET /credentials/:id/linkedin`: the
 * public credential page and the learner page link here instead of to LinkedIn), and the course analytics API.
 * Mounted at the application root (paths are absolute).
 */
export function createAnalyticsRouter(ctx: AppContext): Router {
  const router = Router();
  const limit = publicRateLimit(ctx, { name: 'credentials' });
  const db = () => ctx.database.db;

  // Not an open redirect: the target is always LinkedIn's add-to-profile URL, built here from the
  // stored credential by the same code as the public page; nothing in the request chooses it.
  router.get('/credentials/:id/linkedin', publicRoute(), limit, handle(async (req, res) => {
    const id = credentialParams.safeParse(req.params);
    if (!id.success) throw new LaurelError('ERR_NOT_FOUND', 'No credential has this id.');
    const loaded = await loadPublicCredential(badgesDepsFor(ctx), id.data.id);
    // The URL names the badge and issuer, which a private credential's public page withholds.
    if (loaded.award.visibility === 'private') throw new LaurelError('ERR_FORBIDDEN', 'The holder keeps this credential private.');
    if (loaded.status !== 'issued') throw new LaurelError('ERR_CONFLICT', `A ${loaded.status} credential cannot be added to a profile.`);
    const target = linkedInAddToProfile({
      name: loaded.achievement.name, issuerName: loaded.issuer?.name ?? 'Laurel', issuedAt: loaded.credential.issued_at,
      validUntil: loaded.credential.valid_until, url: `${ctx.config.BASE_URL}/credentials/${loaded.credential.id}`, id: loaded.credential.id,
    });
    analyticsRecorder(ctx).count({ courseId: loaded.award.course_id, achievementId: loaded.award.achievement_id, kind: 'linkedin' });
    res.set('Cache-Control', 'no-store').redirect(302, target);
  }));

  describeApiOperation({
    method: 'get', path: '/api/v1/courses/:courseId/analytics', tag: 'Analytics', scopes: ['admin', 'metrics'], summary: 'A course\'s analytics: what the instructor page draws',
    params: analyticsParams, query: analyticsQuery, problems: [404], responses: { 200: z.looseObject({}) },
  });
  router.get('/api/v1/courses/:courseId/analytics', requireToken(ctx, 'admin', 'metrics'), validateQuery(analyticsQuery), scopedTo(ctx.database.db, 'course', (req) => ({ course: String(req.params.courseId) })), handle(async (req, res) => {
    const params = analyticsParams.safeParse(req.params);
    if (!params.success) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
    const query = res.locals.query as AnalyticsQuery;
    const report = await courseReport(db(), { courseId: params.data.courseId, now: new Date(), days: query.days, achievementId: query.achievementId });
    res.set('Cache-Control', 'no-store').json(report);
  }));

  return router;
}
