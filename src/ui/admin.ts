import express, { type Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { rotateKeys } from '../credentials';
import type { FoundationTables } from '../db';
import { LaurelError } from '../errors';
import { requireCourseRole } from '../lti';
import { MAX_BADGE_IMAGE_BYTES } from '../publishing';
import { createToken, revokeToken, SCOPES } from '../tokens';
import { handle, issueAdminSession, renderPage } from '../web';
import { actorOf, sessionOf, type CsrfTokens } from './csrf';
import { readIssuerForm, saveIssuerProfile } from './admin-issuer';
import { activatePlatformFromConsole, isPendingPlatform, readPlatformForm, registerPlatformFromForm, removePlatformFromConsole } from './admin-platforms';
import { adminHere as here, confirmed, renderAdmin, renderConfirm } from './admin-render';
import { adminSourceRoutes } from './admin-sources';
import { multipartForm, uploadsOf } from './multipart';

/** The admin console for an LMS administrator: platforms, issuer, keys, event sources, API tokens, audit log. */
export function adminRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router({ mergeParams: true });
  router.use(requireCourseRole('admin'));
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const db = ctx.database.db as unknown as Kysely<FoundationTables>;

  router.get('/', handle(async (req, res) => {
    // The queue dashboard lives outside the course URL space: it accepts this short admin session.
    await issueAdminSession(res, ctx.config, actorOf(res));
    await renderAdmin(ctx, csrf, req, res, {});
  }));

  router.post('/keys/rotate', form, csrf.verify(), handle(async (req, res) => {
    const issuerId = z.string().min(1).max(200).parse((req.body as { issuerId?: unknown }).issuerId ?? 'default');
    const result = await rotateKeys(ctx.database.db, issuerId, ctx.config, new Date());
    await audit(ctx.database.db, { actor: actorOf(res), action: 'keys.rotated', subjectType: 'issuer', subjectId: issuerId, platformId: sessionOf(res).platformId, details: result });
    res.redirect(303, `${here(req)}?done=rotated#keys`);
  }));

  const logoUpload = multipartForm({ limitBytes: MAX_BADGE_IMAGE_BYTES, nouns: { logoFile: 'logo' } });
  router.post('/issuers/:issuerId', ...logoUpload, csrf.verify(), handle(async (req, res) => {
    const posted = readIssuerForm(req.body as Record<string, unknown>);
    const { files, uploadErrors } = uploadsOf(res);
    const outcome = await saveIssuerProfile(ctx, {
      issuerId: String(req.params.issuerId), posted, ...(files.logoFile ? { logo: files.logoFile } : {}), ...(uploadErrors.logoFile ? { uploadError: uploadErrors.logoFile } : {}),
      actor: actorOf(res), platformId: sessionOf(res).platformId, now: new Date(),
    });
    if (!outcome.ok) return renderAdmin(ctx, csrf, req, res.status(422), { issuerForm: { id: String(req.params.issuerId), errors: outcome.errors, values: posted } });
    res.redirect(303, `${here(req)}?done=issuer-saved#keys`);
  }));

  router.post('/platforms', form, csrf.verify(), handle(async (req, res) => {
    const values = readPlatformForm(req.body as Record<string, unknown>);
    const outcome = await registerPlatformFromForm(ctx, values, actorOf(res));
    if (!outcome.ok) return renderAdmin(ctx, csrf, req, res.status(422), { platformForm: { values, errors: outcome.errors } });
    await audit(db, { actor: actorOf(res), action: 'platform.registered', subjectType: 'platform', subjectId: outcome.platform.id, platformId: sessionOf(res).platformId, details: { issuer: values.issuer, clientId: values.clientId, lms: values.lms } });
    return renderAdmin(ctx, csrf, req, res.status(201), { newPlatform: { name: outcome.platform.name, ...outcome.toolUrls } });
  }));

  router.post('/platforms/:platformId/remove', form, csrf.verify(), handle(async (req, res) => {
    const platformId = z.uuid().parse(req.params.platformId);
    // An LMS administrator removes their own LMS, or turns down a registration waiting for activation.
    const own = platformId === sessionOf(res).platformId;
    if (!own && !(await isPendingPlatform(ctx, platformId))) throw new LaurelError('ERR_NOT_FOUND', 'No platform you administer has this id.');
    if (!confirmed(req)) {
      return renderConfirm(res, {
        csrf: csrf.tokenFor(sessionOf(res)), title: 'Remove the platform', question: own ? 'Remove this LMS from Laurel?' : 'Turn down this LMS registration?',
        consequences: own ? [
          'Launches from it stop at once, including this administration page; its event sources stop accepting events.',
          'Courses, learners, badges and awards stay in Laurel. Credentials already issued stay valid and keep verifying.',
          'To use Laurel from this LMS again, register it again (Dynamic Registration or the manual form).',
        ] : [
          'The registration is removed and never accepts launches.',
          'If it was expected after all, that LMS can register again.',
        ],
        action: `${here(req)}/platforms/${platformId}/remove`, confirmLabel: 'Remove platform', cancelUrl: `${here(req)}#platforms`,
      });
    }
    const platform = await removePlatformFromConsole(ctx, { platformId, actor: actorOf(res), now: new Date() });
    if (!own) return res.redirect(303, `${here(req)}?done=platform-removed#platforms`);
    // No redirect back: this session's platform is no longer active, so the console would refuse it.
    renderPage(res, 'ui-admin-removed', { title: 'Platform removed', embedded: true, name: platform.name });
  }));

  router.post('/platforms/:platformId/activate', form, csrf.verify(), handle(async (req, res) => {
    const platformId = z.uuid().parse(req.params.platformId);
    if (!confirmed(req)) {
      if (!(await isPendingPlatform(ctx, platformId))) throw new LaurelError('ERR_NOT_FOUND', 'No platform waiting for activation has this id.');
      return renderConfirm(res, {
        csrf: csrf.tokenFor(sessionOf(res)), title: 'Activate the platform', question: 'Activate this LMS registration?', tone: 'primary',
        consequences: [
          'Laurel accepts launches from it at once: its instructors can create badges and its learners receive them.',
          'Activate only a registration you expect: anyone who can reach Laurel’s registration address can register an LMS.',
          'To stop it later, open the administration page from that LMS and remove it.',
        ],
        action: `${here(req)}/platforms/${platformId}/activate`, confirmLabel: 'Activate platform', cancelUrl: `${here(req)}#platforms`,
      });
    }
    await activatePlatformFromConsole(ctx, { platformId, actor: actorOf(res), sessionPlatformId: sessionOf(res).platformId, now: new Date() });
    res.redirect(303, `${here(req)}?done=platform-activated#platforms`);
  }));

  router.post('/tokens', form, csrf.verify(), handle(async (req, res) => {
    const body = req.body as { name?: unknown; scopes?: unknown };
    const parsed = z.object({
      name: z.string().trim().min(1, 'Enter a name that says who uses the token.').max(100),
      scopes: z.array(z.enum(SCOPES)).min(1, 'Choose at least one scope.'),
    }).safeParse({ name: body.name, scopes: body.scopes === undefined ? [] : [body.scopes].flat() });
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      return renderAdmin(ctx, csrf, req, res.status(422), { errors, values: { name: String(body.name ?? '') } });
    }
    const { token, record } = await createToken(db, parsed.data);
    await audit(db, { actor: actorOf(res), action: 'token.created', subjectType: 'api_token', subjectId: record.id, platformId: sessionOf(res).platformId, details: { name: record.name, scopes: record.scopes } });
    // The secret is shown once, on this response, and never stored in clear.
    return renderAdmin(ctx, csrf, req, res, { newToken: { value: token, name: record.name } });
  }));

  router.post('/tokens/:tokenId/revoke', form, csrf.verify(), handle(async (req, res) => {
    const tokenId = z.uuid().parse(req.params.tokenId);
    await revokeToken(db, tokenId);
    await audit(db, { actor: actorOf(res), action: 'token.revoked', subjectType: 'api_token', subjectId: tokenId, platformId: sessionOf(res).platformId });
    res.redirect(303, `${here(req)}?done=token-revoked#tokens`);
  }));

  adminSourceRoutes(router, ctx, csrf);
  return router;
}
