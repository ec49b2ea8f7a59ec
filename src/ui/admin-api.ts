import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { getIssuer } from '../credentials';
import { LaurelError } from '../errors';
import { sealPlaintextSecrets } from '../events';
import { IMAGE_HEADERS } from '../images';
import { publicRateLimit } from '../http';
import { handle } from '../http';
import { apiRoute, idParam } from '../http';
import { issuerLogo } from './admin-issuer';
import {
  activatePlatformInScope, createSourceInScope, deleteSourceInScope, findPlatformInScope, findSourceInScope, listPlatformsInScope, listSourcesInScope,
  registerPlatformFromApi, removePlatformInScope, rotateSourceSecretInScope,
} from './admin-scoped';
import type { PlatformListing } from '../lti';
import { createSourceBody } from './admin-source-schema';
import { publicRoute } from '../http';

/**
 * The admin HTTP API for event sources and LMS platforms (`admin` token scope) and the public issuer
 * logo. Mounted at the root: `/api/v1/event-sources...`, `/api/v1/platforms...`, `/issuers/:id/logo`.
 */

const iso = z.iso.datetime({ offset: true });
const sourceParams = z.object({ sourceId: z.uuid() });

export const sourceJsonSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['canvas', 'moodle']),
  name: z.string(),
  platformId: z.uuid().nullable(),
  endpoint: z.string().describe('Where the LMS delivers events.'),
  enabled: z.boolean(),
  jwksUrl: z.string().nullable(),
  allowUnsigned: z.boolean(),
  hasSecret: z.boolean(),
  secretSetAt: iso.nullable(),
  lastEventAt: iso.nullable(),
  lastError: z.string().nullable(),
  lastErrorAt: iso.nullable(),
  status: z.enum(['disabled', 'error', 'receiving', 'waiting']),
  createdAt: iso,
});

export const platformJsonSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  lms: z.enum(['canvas', 'moodle', 'other']),
  issuer: z.string(),
  clientId: z.string(),
  status: z.enum(['pending', 'active', 'disabled']),
  authEndpoint: z.string(),
  tokenEndpoint: z.string(),
  jwksUrl: z.string(),
  deploymentIds: z.array(z.string()),
  createdAt: iso,
});

const httpsUrl = z.url({ protocol: /^https?$/ }).max(2000);
export const registerPlatformBody = z.strictObject({
  name: z.string().trim().min(1).max(200),
  lms: z.enum(['canvas', 'moodle', 'other']),
  issuer: httpsUrl.describe('The platform id its launches carry (Moodle: the site address; Canvas: https://canvas.instructure.com).'),
  clientId: z.string().trim().min(1).max(200),
  authEndpoint: httpsUrl,
  tokenEndpoint: httpsUrl,
  jwksUrl: httpsUrl,
  deploymentIds: z.array(z.string().trim().min(1).max(200)).min(1).max(100),
});

const platformJson = (p: PlatformListing): z.infer<typeof platformJsonSchema> => ({
  id: p.id, name: p.name, lms: p.lms, issuer: p.issuer, clientId: p.client_id, status: p.status, authEndpoint: p.auth_endpoint, tokenEndpoint: p.token_endpoint,
  jwksUrl: p.jwks_url, deploymentIds: p.deploymentIds, createdAt: p.created_at.toISOString(),
});
/** Dates of a source description as JSON would write them (the schema describes the wire). */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createAdminApiRouter(ctx: AppContext): Router {
  const router = Router();
  // Start-up half of migration 520: seal Moodle secrets still stored in clear (bootstrap does the same).
  sealPlaintextSecrets(ctx.database.db, { keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })
    .then((sealed) => sealed && ctx.logger.info({ sealed }, 'sealed event source secrets stored in clear'))
    .catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not seal event source secrets at start-up; laurel bootstrap does it too'));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/event-sources', tag: 'Event sources', scopes: ['admin'], summary: 'List event sources (never their secrets)',
    responses: { 200: z.object({ sources: z.array(sourceJsonSchema) }) },
  }, async ({ scope }) => ({ body: wire({ sources: await listSourcesInScope(ctx, { scope }) }) }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/event-sources/:sourceId', tag: 'Event sources', scopes: ['admin'], summary: 'One event source',
    params: sourceParams, responses: { 200: sourceJsonSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: wire(await findSourceInScope(ctx, { sourceId: params.sourceId, scope })) }));

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/event-sources', tag: 'Event sources', scopes: ['admin'], summary: 'Create a Moodle or Canvas event source; a Moodle secret appears in this answer only',
    body: createSourceBody, responses: { 201: z.object({ source: sourceJsonSchema, secret: z.string().optional() }) },
  }, async ({ body, scope, actor, now }) => {
    const created = await createSourceInScope(ctx, { body, scope, actor, now });
    // The Moodle secret appears in this response only; Laurel stores it sealed.
    return { status: 201, body: wire({ source: created.source, ...(created.secret ? { secret: created.secret } : {}) }) };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/event-sources/:sourceId/rotate-secret', tag: 'Event sources', scopes: ['admin'], summary: 'A new Moodle shared secret (in this answer only); the old one stops at once',
    params: sourceParams, responses: { 200: z.object({ id: z.uuid(), secret: z.string() }) }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => ({ body: { id: params.sourceId, secret: await rotateSourceSecretInScope(ctx, { sourceId: params.sourceId, scope, actor, now }) } }));

  apiRoute(router, ctx, {
    method: 'delete', path: '/api/v1/event-sources/:sourceId', tag: 'Event sources', scopes: ['admin'], summary: 'Delete an event source',
    params: sourceParams, responses: { 204: null }, problems: [404],
  }, async ({ params, scope, actor, now }) => {
    await deleteSourceInScope(ctx, { sourceId: params.sourceId, scope, actor, now });
    return { status: 204 };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/platforms', tag: 'Platforms', scopes: ['admin'], summary: 'List LMS platforms',
    responses: { 200: z.object({ items: z.array(platformJsonSchema) }) },
  }, async ({ scope }) => ({ body: { items: (await listPlatformsInScope(ctx, { scope })).map(platformJson) } }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/platforms/:id', tag: 'Platforms', scopes: ['admin'], summary: 'One LMS platform',
    params: idParam, responses: { 200: platformJsonSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: platformJson(await findPlatformInScope(ctx, { platformId: params.id, scope })) }));

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/platforms', tag: 'Platforms', scopes: ['admin'], summary: 'Register an LMS by hand (active at once); answers the tool URLs to configure in the LMS',
    body: registerPlatformBody,
    responses: { 201: z.object({ platform: platformJsonSchema, tool: z.object({ login: z.string(), launch: z.string(), jwks: z.string(), canvasJson: z.string().optional() }) }) },
  }, async ({ body, scope, actor, now }) => {
    const { platform, toolUrls } = await registerPlatformFromApi(ctx, { platform: body, scope, actor, now });
    return { status: 201, body: { platform: platformJson(platform), tool: toolUrls } };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/platforms/:id/activate', tag: 'Platforms', scopes: ['admin'], summary: 'Activate a platform whose registration waits for an administrator',
    params: idParam, responses: { 200: platformJsonSchema }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => {
    await activatePlatformInScope(ctx, { platformId: params.id, scope, actor, now });
    return { body: platformJson(await findPlatformInScope(ctx, { platformId: params.id, scope })) };
  });

  apiRoute(router, ctx, {
    method: 'delete', path: '/api/v1/platforms/:id', tag: 'Platforms', scopes: ['admin'],
    summary: 'Remove a platform: launches stop and its event sources are disabled; courses, awards and credentials stay',
    params: idParam, responses: { 204: null }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => {
    await removePlatformInScope(ctx, { platformId: params.id, scope, actor, now });
    return { status: 204 };
  });

  router.get('/issuers/:issuerId/logo', publicRoute(), publicRateLimit(ctx, { name: 'issuer-logo' }), handle(async (req, res) => {
    const id = String(req.params.issuerId);
    const logo = /^[a-z0-9][a-z0-9-]{0,62}$/.test(id) && (await getIssuer(ctx.database.db, id)) ? await issuerLogo(ctx.database.db, id) : undefined;
    if (!logo) throw new LaurelError('ERR_NOT_FOUND', 'This issuer has no logo.');
    // Same headers as badge images: an SVG opened directly is inert (sandboxed, no script).
    res.set(IMAGE_HEADERS).type(logo.mime).send(logo.bytes);
  }));
  return router;
}
