import express, { type Router } from 'express';
import QRCode from 'qrcode';
import { z } from 'zod';
import type { AppContext } from '../context';
import { getAward, linkedInAddToProfile } from '../badges';
import { listIssuers } from '../credentials';
import { LaurelError } from '../errors';
import { requireCourseRole } from '../lti';
import { learnerBadges, setAwardVisibility, type EarnedBadge } from '../publishing';
import { handle, renderPage } from '../http';
import { emailOptedOut, emailPreferenceBody, setEmailOptOut } from '../reach';
import { actorOf, sessionOf, type CsrfTokens } from '../http';
import { courseNav, courseOf, noticeOf } from './page-data';

/** The learner's course profile: earned badges with downloads and sharing, progress towards the others. No account needed. */
export function learnerRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router({ mergeParams: true });
  router.use(requireCourseRole('learner'));
  const form = express.urlencoded({ extended: false, limit: '4kb' });

  router.get('/', handle(async (req, res) => {
    const course = await courseOf(ctx, req);
    const session = sessionOf(res);
    const [{ earned, pending }, issuers] = await Promise.all([learnerBadges(ctx, { courseId: course.id, learnerId: session.learnerId, now: new Date() }), listIssuers(ctx.database.db)]);
    const issuerName = (id: string | null) => issuers.find((i) => i.id === id)?.name ?? issuers[0]?.name ?? 'Laurel';
    const here = `/lti/courses/${course.id}/learner`;
    renderPage(res, 'ui-learner', {
      title: `${course.title}: your badges`,
      embedded: true,
      course,
      tabs: courseNav(course.id, session.roles, 'learner'),
      notice: noticeOf(req),
      csrf: csrf.tokenFor(session),
      emailPreference: { on: !(await emailOptedOut(ctx.database.db, session.learnerId)), action: `${here}/email` },
      earned: earned.map((e) => earnedView(ctx.config.BASE_URL, here, e, issuerName(e.achievement.issuer_id))),
      pending: pending.map((p) => ({
        id: p.achievement.id,
        name: p.achievement.name,
        description: p.achievement.description,
        imageUrl: p.achievement.image_url ?? `/achievements/${p.achievement.id}/image`,
        progress: p.progress.map((item) => ({ message: item.message, met: item.status === 'met' })),
        tierNote: p.tier ? (p.tier.heldTierName ? `You hold ${p.tier.heldTierName}. Next tier: ${p.tier.tierName}.` : `Tiered badge: the first tier is ${p.tier.tierName}.`) : null,
        reason: p.reason,
      })),
    });
  }));

  router.post('/awards/:awardId/visibility', form, csrf.verify(), handle(async (req, res) => {
    const visibility = z.enum(['public', 'private']).safeParse((req.body as { visibility?: unknown }).visibility);
    if (!visibility.success) throw new LaurelError('ERR_VALIDATION', 'Choose public or private.');
    await setAwardVisibility(ctx.database.db, { awardId: String(req.params.awardId), learnerId: sessionOf(res).learnerId, visibility: visibility.data, actor: actorOf(res) });
    res.redirect(303, `/lti/courses/${String(req.params.courseId)}/learner?done=${visibility.data}#award-${String(req.params.awardId)}`);
  }));

  // Reach: badge emails on or off, one click (every email also carries a signed unsubscribe link).
  router.post('/email', form, csrf.verify(), handle(async (req, res) => {
    const body = emailPreferenceBody.safeParse(req.body);
    if (!body.success) throw new LaurelError('ERR_VALIDATION', 'Choose on or off.');
    await setEmailOptOut(ctx.database.db, { learnerId: sessionOf(res).learnerId, optOut: body.data.email === 'off' });
    res.redirect(303, `/lti/courses/${String(req.params.courseId)}/learner?done=email-${body.data.email}#email-title`);
  }));

  // A QR code of the public page, drawn on the server as SVG (no script, no external service).
  router.get('/awards/:awardId/qr.svg', handle(async (req, res) => {
    const award = await getAward({ db: ctx.database.db }, String(req.params.awardId));
    if (award.learner_id !== sessionOf(res).learnerId || !award.credential_id) throw new LaurelError('ERR_NOT_FOUND', 'No signed badge of yours has this id.');
    const svg = await QRCode.toString(`${ctx.config.BASE_URL}/credentials/${award.credential_id}`, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
    res.type('image/svg+xml').set('Cache-Control', 'private, max-age=3600').send(svg);
  }));
  return router;
}

function earnedView(baseUrl: string, here: string, e: EarnedBadge, issuerName: string) {
  const publicUrl = e.credentialId ? `${baseUrl}/credentials/${e.credentialId}` : null;
  const local = e.credentialId ? `/credentials/${e.credentialId}` : null;
  return {
    awardId: e.awardId,
    name: e.achievement.name,
    description: e.achievement.description,
    imageUrl: e.achievement.image_url ?? `/achievements/${e.achievement.id}/image`,
    awardedAt: e.awardedAt,
    score: e.score,
    issuerName,
    status: e.status,
    revoked: e.status === 'revoked',
    expired: e.status === 'expired',
    revokedAt: e.revokedAt,
    revokedReason: e.revokedReason,
    signed: Boolean(e.credentialId),
    isPublic: e.visibility === 'public',
    publicUrl,
    visibilityAction: `${here}/awards/${e.awardId}/visibility`,
    qrUrl: e.credentialId ? `${here}/awards/${e.awardId}/qr.svg` : null,
    downloads: local ? { png: `${local}/badge.png`, svg: `${local}/badge.svg`, json: `${local}?format=json`, jwt: `${local}?format=jwt`, page: local } : null,
    linkedInUrl: publicUrl ? (e.visibility === 'public' && e.status === 'issued' ? `${publicUrl}/linkedin` : linkedInAddToProfile({ name: e.achievement.name, issuerName, issuedAt: e.awardedAt, validUntil: null, url: publicUrl, id: e.credentialId! })) : null, // public and valid: counted redirect (src/analytics)
  };
}
