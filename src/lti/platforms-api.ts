import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { apiRoute, idParam } from '../http';
import { activatePlatformInScope, findPlatformInScope, listPlatformsInScope, registerPlatformFromApi, removePlatformInScope, type PlatformRemovalHooks } from './platform-admin';
import type { PlatformListing } from './platforms';

/**
 * The admin HTTP API for LMS platforms (`admin` token scope), mounted at the root by src/app:
 * `/api/v1/platforms...`.
 */

const iso = z.iso.datetime({ offset: true });

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

export function createPlatformsApiRouter(ctx: AppContext, options: { hooks: PlatformRemovalHooks }): Router {
  const router = Router();

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
    await removePlatformInScope(ctx, { platformId: params.id, scope, actor, now }, options.hooks);
    return { status: 204 };
  });
  return router;
}
