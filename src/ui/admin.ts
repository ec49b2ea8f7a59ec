import express, { type Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { bindPlatformIssuer, ensureDefaultIssuer, rotateKeys, unbindPlatformIssuer } from '../credentials';
import { eventsPlatformHooks } from '../events';
import { decommissionPlatform, listPlatforms } from '../lti';
import { LaurelError } from '../errors';
import { requireCourseRole } from '../lti';
import { MAX_IMAGE_BYTES } from '../images';
import { handle, issueOperatorSession, permit, renderPage, requireOperator } from '../http';
import type { CsrfTokens } from '../http';
import { readIssuerForm, saveIssuerProfile } from './admin-issuer';
import { activatePlatformFromConsole, isPendingPlatform, platformExists, readPlatformForm, registerPlatformFromForm } from './admin-platforms';
import { confirmed, renderAdmin, renderConfirm } from './admin-render';
import { adminSourceRoutes } from './admin-sources';
import { adminTokenRoutes } from './admin-tokens';
import { courseConsoleViewer, operatorConsoleViewer, ownPlatform, viewerOf } from './admin-viewer';
import { multipartForm, uploadsOf } from '../http';
import { operatorSignInRoutes } from './operator-sign-in';

/**
 * The administration console inside a course: platform administrators (an institution-level LMS
 * Administrator of that platform) manage their platform; named operators also see what spans tenants.
 */
export function adminRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router({ mergeParams: true });
  router.use(requireCourseRole('admin'), courseConsoleViewer(csrf));
  consoleRoutes(router, ctx, csrf);
  return router;
}

/** The operator console outside any course (`/admin`), reached with a one-time `laurel operator link`. */
export function createOperatorConsoleRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router();
  operatorSignInRoutes(router, ctx);
  router.use(requireOperator(ctx), operatorConsoleViewer(csrf));
  consoleRoutes(router, ctx, csrf);
  return router;
}

/** Every console action, each declaring the permission the policy checks (src/policies). */
function consoleRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const administer = () => permit('platform:administer', ownPlatform);
  const operate = () => permit('instance:operate');

  router.get('/', administer(), handle(async (req, res) => {
    // The queue dashboard lives outside the course URL space: operators get its short session.
    const viewer = viewerOf(res);
    if (viewer.operator && viewer.session) await issueOperatorSession(res, ctx.config, viewer.actor);
    await renderAdmin(ctx, csrf, req, res, {});
  }));

  router.post('/keys/rotate', form, csrf.verify(), operate(), handle(async (req, res) => {
    const issuerId = z.string().min(1).max(200).parse((req.body as { issuerId?: unknown }).issuerId ?? 'default');
    const result = await rotateKeys(ctx.database.db, issuerId, ctx.config, new Date());
    await audit(ctx.database.db, { actor: viewerOf(res).actor, action: 'keys.rotated', subjectType: 'issuer', subjectId: issuerId, platformId: viewerOf(res).platformId, details: result });
    res.redirect(303, `${viewerOf(res).here}?done=rotated#keys`);
  }));

  const logoUpload = multipartForm({ limitBytes: MAX_IMAGE_BYTES, nouns: { logoFile: 'logo' } });
  router.post('/issuers/:issuerId', ...logoUpload, csrf.verify(), operate(), handle(async (req, res) => {
    const posted = readIssuerForm(req.body as Record<string, unknown>);
    const { files, uploadErrors } = uploadsOf(res);
    const outcome = await saveIssuerProfile(ctx, {
      issuerId: String(req.params.issuerId), posted, ...(files.logoFile ? { logo: files.logoFile } : {}), ...(uploadErrors.logoFile ? { uploadError: uploadErrors.logoFile } : {}),
      actor: viewerOf(res).actor, platformId: viewerOf(res).platformId, now: new Date(),
    });
    if (!outcome.ok) return renderAdmin(ctx, csrf, req, res.status(422), { issuerForm: { id: String(req.params.issuerId), errors: outcome.errors, values: posted } });
    res.redirect(303, `${viewerOf(res).here}?done=issuer-saved#keys`);
  }));

  router.post('/platforms', form, csrf.verify(), operate(), handle(async (req, res) => {
    const values = readPlatformForm(req.body as Record<string, unknown>);
    const outcome = await registerPlatformFromForm(ctx, values, viewerOf(res).actor);
    if (!outcome.ok) return renderAdmin(ctx, csrf, req, res.status(422), { platformForm: { values, errors: outcome.errors } });
    await audit(ctx.database.db, { actor: viewerOf(res).actor, action: 'platform.registered', subjectType: 'platform', subjectId: outcome.platform.id, platformId: viewerOf(res).platformId, details: { issuer: values.issuer, clientId: values.clientId, lms: values.lms } });
    return renderAdmin(ctx, csrf, req, res.status(201), { newPlatform: { name: outcome.platform.name, ...outcome.toolUrls } });
  }));

  router.post('/platforms/:platformId/remove', form, csrf.verify(), administer(), handle(async (req, res) => {
    const viewer = viewerOf(res);
    const platformId = z.uuid().parse(req.params.platformId);
    // A platform administrator removes their own LMS; an operator any, or turns down a pending registration.
    const own = platformId === viewer.platformId;
    const pending = !own && (await isPendingPlatform(ctx, platformId));
    if (!own && !(viewer.operator && (await platformExists(ctx, platformId)))) throw new LaurelError('ERR_NOT_FOUND', 'No platform you administer has this id.');
    if (!confirmed(req)) {
      return renderConfirm(res, {
        csrf: viewer.csrf, title: 'Remove the platform', question: pending ? 'Turn down this LMS registration?' : 'Remove this LMS from Laurel?',
        consequences: pending ? [
          'The registration is removed and never accepts launches.',
          'If it was expected after all, that LMS can register again.',
        ] : [
          'Launches from it stop at once, including this administration page; its event sources stop accepting events.',
          'Courses, learners, badges and awards stay in Laurel. Credentials already issued stay valid and keep verifying.',
          'To use Laurel from this LMS again, register it again (Dynamic Registration or the manual form).',
        ],
        action: `${viewer.here}/platforms/${platformId}/remove`, confirmLabel: 'Remove platform', cancelUrl: `${viewer.here}#platforms`,
      });
    }
    const platform = await decommissionPlatform(ctx, { platformId, actor: viewer.actor, now: new Date() }, eventsPlatformHooks(ctx));
    if (!own) return res.redirect(303, `${viewer.here}?done=platform-removed#platforms`);
    // No redirect back: this session's platform is no longer active, so the console would refuse it.
    renderPage(res, 'ui-admin-removed', { title: 'Platform removed', embedded: true, name: platform.name });
  }));

  router.post('/platforms/:platformId/activate', form, csrf.verify(), operate(), handle(async (req, res) => {
    const viewer = viewerOf(res);
    const platformId = z.uuid().parse(req.params.platformId);
    if (!confirmed(req)) {
      if (!(await isPendingPlatform(ctx, platformId))) throw new LaurelError('ERR_NOT_FOUND', 'No platform waiting for activation has this id.');
      return renderConfirm(res, {
        csrf: viewer.csrf, title: 'Activate the platform', question: 'Activate this LMS registration?', tone: 'primary',
        consequences: [
          'Laurel accepts launches from it at once: its instructors can create badges and its learners receive them.',
          'Activate only a registration you expect: anyone who can reach Laurel’s registration address can register an LMS.',
          'To stop it later, remove it here (or its administrators remove it from their console).',
        ],
        action: `${viewer.here}/platforms/${platformId}/activate`, confirmLabel: 'Activate platform', cancelUrl: `${viewer.here}#platforms`,
      });
    }
    await activatePlatformFromConsole(ctx, { platformId, actor: viewer.actor, sessionPlatformId: viewer.platformId, now: new Date() });
    res.redirect(303, `${viewer.here}?done=platform-activated#platforms`);
  }));

  // Issuers per institution: give a platform its own issuer (profile, keys, status lists), or return it to the default.
  router.post('/platforms/:platformId/issuer', form, csrf.verify(), operate(), handle(async (req, res) => {
    const viewer = viewerOf(res);
    const platformId = z.uuid().parse(req.params.platformId);
    const mode = z.enum(['own', 'default']).parse((req.body as { mode?: unknown }).mode);
    const platform = (await listPlatforms(ctx.database.db)).find((p) => p.id === platformId);
    if (!platform) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
    const now = new Date();
    if (mode === 'own') {
      const issuer = await bindPlatformIssuer(ctx.database.db, ctx.config, { platformId, name: platform.name, now });
      await audit(ctx.database.db, { actor: viewer.actor, action: 'issuer.bound', subjectType: 'issuer', subjectId: issuer.id, platformId, details: { did: issuer.did } });
    } else {
      const defaultIssuerId = (await ensureDefaultIssuer(ctx.database.db, ctx.config, now)).id;
      await unbindPlatformIssuer(ctx.database.db, { platformId, defaultIssuerId });
      await audit(ctx.database.db, { actor: viewer.actor, action: 'issuer.unbound', subjectType: 'platform', subjectId: platformId, platformId });
    }
    res.redirect(303, `${viewer.here}?done=${mode === 'own' ? 'issuer-bound' : 'issuer-unbound'}#platforms`);
  }));

  adminTokenRoutes(router, ctx, csrf);
  adminSourceRoutes(router, ctx, csrf);
}
