import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { apiRoute, idParam } from '../http';
import { issueApiToken, listApiTokens, revokeApiToken } from './admin';
import { SCOPES, type ApiToken } from './index';

/** `/api/v1/tokens` (admin scope): list, create (the secret is in the 201 answer only), revoke. */

const iso = z.iso.datetime({ offset: true });
export const tokenJsonSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  prefix: z.string().describe('The first characters of the secret, to recognise it.'),
  scopes: z.array(z.enum(SCOPES)),
  createdAt: iso,
  lastUsedAt: iso.nullable(),
  revokedAt: iso.nullable(),
});
export const createTokenBody = z.strictObject({
  name: z.string().trim().min(1).max(100).describe('Who uses the token (shown in the audit log as token:<name>).'),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length),
});

const tokenJson = (t: ApiToken): z.infer<typeof tokenJsonSchema> => ({
  id: t.id, name: t.name, prefix: t.prefix, scopes: t.scopes, createdAt: t.createdAt.toISOString(), lastUsedAt: t.lastUsedAt?.toISOString() ?? null, revokedAt: t.revokedAt?.toISOString() ?? null,
});

export function createTokensApiRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.database.db;

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/tokens', tag: 'Tokens', scopes: ['admin'], summary: 'List API tokens (never their secrets)',
    responses: { 200: z.object({ items: z.array(tokenJsonSchema) }) },
  }, async ({ scope }) => ({ body: { items: (await listApiTokens(db, { scope })).map(tokenJson) } }));

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/tokens', tag: 'Tokens', scopes: ['admin'], summary: 'Create an API token; the secret appears in this answer only',
    body: createTokenBody, responses: { 201: tokenJsonSchema.extend({ token: z.string().describe('The secret: Authorization: Bearer <token>.') }) },
  }, async ({ body, scope, actor }) => {
    const { token, record } = await issueApiToken(db, { ...body, scope, actor });
    return { status: 201, body: { ...tokenJson(record), token } };
  });

  apiRoute(router, ctx, {
    method: 'delete', path: '/api/v1/tokens/:id', tag: 'Tokens', scopes: ['admin'], summary: 'Revoke an API token (at once, for every replica)',
    params: idParam, responses: { 204: null }, problems: [404],
  }, async ({ params, scope, actor }) => {
    await revokeApiToken(db, { tokenId: params.id, scope, actor });
    return { status: 204 };
  });

  return router;
}
