import express, { Router } from 'express';
import type { AppContext } from '../context';
import { getIssuer } from '../credentials';
import { LaurelError } from '../errors';
import { sealPlaintextSecrets } from '../events';
import { listPlatforms } from '../lti';
import { apiScope, handle, publicRateLimit, requireToken, tokenActor, validateBody } from '../web';
import type { SourceScope } from './admin-source-actions';
import { issuerLogo } from './admin-issuer';
import { createSource, deleteSource, listSourcesFor, requireSourceIn, rotateSecret } from './admin-source-actions';
import { createSourceBody, type CreateSourceBody } from './admin-source-schema';
import { publicRoute } from '../web/permission';

/**
 * The admin HTTP API for event sources (`admin` token scope) and the public issuer logo. Mounted at
 * the root: `/api/v1/event-sources...` and `/issuers/:id/logo`.
 */
export function createAdminApiRouter(ctx: AppContext): Router {
  const router = Router();
  // Start-up half of migration 520: seal Moodle secrets still stored in clear (bootstrap does the same).
  sealPlaintextSecrets(ctx.database.db, { keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })
    .then((sealed) => sealed && ctx.logger.info({ sealed }, 'sealed event source secrets stored in clear'))
    .catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not seal event source secrets at start-up; laurel bootstrap does it too'));
  const json = express.json({ limit: '8kb' });
  // A token bound to a platform reaches that platform's sources only; an instance-wide token all.
  const scopeOf = (res: express.Response): SourceScope => {
    const { platformId } = apiScope(res.locals.apiToken);
    return platformId ? { platformId } : 'all';
  };

  router.get('/api/v1/event-sources', requireToken(ctx, 'admin'), handle(async (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ sources: await listSourcesFor(ctx, scopeOf(res)) });
  }));

  router.post('/api/v1/event-sources', requireToken(ctx, 'admin'), json, validateBody(createSourceBody), handle(async (req, res) => {
    const body = req.body as CreateSourceBody;
    const bound = apiScope(res.locals.apiToken).platformId;
    // A bound token creates sources of its own platform; naming another is the same 404-like refusal as an unknown id.
    if (bound && body.platformId && body.platformId !== bound) body.platformId = '00000000-0000-0000-0000-000000000000';
    else if (bound) body.platformId = bound;
    if (body.platformId && !(await listPlatforms(ctx.database.db)).some((p) => p.id === body.platformId)) {
      throw new LaurelError('ERR_VALIDATION', 'Invalid request body: platformId: no platform has this id.', { issues: [{ field: 'platformId', message: 'No platform has this id (GET /lti/platforms or laurel platform list).' }] });
    }
    const created = await createSource(ctx, { body, actor: tokenActor(res.locals.apiToken), platformId: body.platformId });
    // The Moodle secret appears in this response only; Laurel stores it sealed.
    res.status(201).set('Cache-Control', 'no-store').json({ source: created.source, ...(created.secret ? { secret: created.secret } : {}) });
  }));

  router.post('/api/v1/event-sources/:sourceId/rotate-secret', requireToken(ctx, 'admin'), handle(async (req, res) => {
    const source = await requireSourceIn(ctx, { sourceId: String(req.params.sourceId), scope: scopeOf(res) });
    const secret = await rotateSecret(ctx, { source, actor: tokenActor(res.locals.apiToken), now: new Date() });
    res.set('Cache-Control', 'no-store').json({ id: source.id, secret });
  }));

  router.delete('/api/v1/event-sources/:sourceId', requireToken(ctx, 'admin'), handle(async (req, res) => {
    const source = await requireSourceIn(ctx, { sourceId: String(req.params.sourceId), scope: scopeOf(res) });
    await deleteSource(ctx, { source, actor: tokenActor(res.locals.apiToken) });
    res.status(204).end();
  }));

  router.get('/issuers/:issuerId/logo', publicRoute(), publicRateLimit(ctx, { name: 'issuer-logo' }), handle(async (req, res) => {
    const id = String(req.params.issuerId);
    const logo = /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) && (await getIssuer(ctx.database.db, id)) ? await issuerLogo(ctx.database.db, id) : undefined;
    if (!logo) throw new LaurelError('ERR_NOT_FOUND', 'This issuer has no logo.');
    // Same headers as badge images: an SVG opened directly is inert (sandboxed, no script).
    res.set({
      'Content-Security-Policy': "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox",
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'public, max-age=300',
    }).type(logo.mime).send(logo.bytes);
  }));
  return router;
}
