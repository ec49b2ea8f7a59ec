import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { apiRoute } from '../../http';
import { createSourceBody } from '../source-schema';
import { createSourceInScope, deleteSourceInScope, findSourceInScope, listSourcesInScope, rotateSourceSecretInScope } from '../source-scoped';

/**
 * The admin HTTP API for event sources (`admin` token scope), mounted at the root by src/app:
 * `/api/v1/event-sources...`.
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

/** Dates of a source description as JSON would write them (the schema describes the wire). */
const wire = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

export function createEventSourcesApiRouter(ctx: AppContext): Router {
  const router = Router();

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

  return router;
}
