import { publicRoute } from '../http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { projectRoot } from '../paths';
import { describeApiOperation, describedOperations, problemSchema, type ApiOperation } from '../http';
import { publicRateLimit } from '../http';

/**
 * The OpenAPI 3.1 description of `/api/v1`, built from the operations the routers declared, so the
 * zod schemas that validate requests are the ones documented. JSON Schema 2020-12 is OpenAPI 3.1's own
 * dialect, so zod's output is embedded as is; shared definitions (`$defs`, e.g. the recursive rule)
 * move to `components.schemas`.
 */

type Json = Record<string, unknown>;

const STATUS_TEXT: Record<number, string> = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content', 400: 'Malformed request', 401: 'No valid token',
  403: 'The token lacks the scope', 404: 'Not found (or outside the token\'s reach)', 409: 'Conflicts with the current state',
  413: 'Too large', 415: 'Unsupported media type', 422: 'Invalid input', 429: 'Rate limited', 500: 'Internal error', 503: 'Unavailable',
};

class SchemaCollector {
  readonly components: Record<string, Json> = { Problem: this.plain(problemSchema, 'output') };
  private counter = 0;

  /** A schema for embedding: its `$defs` move to the components, its references follow them. */
  embed(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    delete json.$schema;
    const defs = (json.$defs ?? {}) as Record<string, Json>;
    delete json.$defs;
    if (Object.keys(defs).length === 0) return json;
    const renamed = new Map<string, string>();
    for (const name of Object.keys(defs)) renamed.set(`#/$defs/${name}`, `#/components/schemas/S${++this.counter}_${name}`);
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' ? (renamed.get(v) ?? (v === '#' ? v : v)) : rewrite(v)]));
      }
      return value;
    };
    for (const [name, def] of Object.entries(defs)) this.components[renamed.get(`#/$defs/${name}`)!.split('/').pop()!] = rewrite(def) as Json;
    return rewrite(json) as Json;
  }

  private plain(schema: z.ZodType, io: 'input' | 'output'): Json {
    const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
    delete json.$schema;
    return json;
  }
}

/** `/api/v1/awards/:id/revoke` → `/api/v1/awards/{id}/revoke`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function parametersOf(collector: SchemaCollector, operation: ApiOperation): Json[] {
  const out: Json[] = [];
  const names = [...operation.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const paramSchema = operation.params ? collector.embed(operation.params, 'input') : undefined;
  for (const name of names) {
    const schema = ((paramSchema?.properties as Record<string, Json> | undefined)?.[name]) ?? { type: 'string' };
    out.push({ name, in: 'path', required: true, schema });
  }
  if (operation.query) {
    const query = collector.embed(operation.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, Json>)) {
      out.push({ name, in: 'query', required: required.has(name) && !('default' in schema), schema });
    }
  }
  return out;
}

function operationObject(collector: SchemaCollector, operation: ApiOperation): Json {
  const responses: Json = {};
  const type = operation.responseType ?? 'application/json';
  for (const [status, schema] of Object.entries(operation.responses)) {
    responses[status] = { description: STATUS_TEXT[Number(status)] ?? 'Answer', ...(schema ? { content: { [type]: { schema: collector.embed(schema, 'output') } } } : {}) };
  }
  const problems = new Set<number>([...(operation.problems ?? []), 429, 500]);
  if (operation.scopes !== 'public') [401, 403].forEach((s) => problems.add(s));
  if (operation.body) [400, 413, 415, 422].forEach((s) => problems.add(s));
  if (operation.query) problems.add(422);
  for (const status of [...problems].sort()) {
    responses[String(status)] ??= { description: STATUS_TEXT[status] ?? 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
  }
  const body = operation.body ? collector.embed(operation.body, 'input') : undefined;
  return {
    operationId: `${operation.method}${operation.path.replace(/^\/api\/v1/, '').replace(/\/:?([A-Za-z0-9_-]+)/g, (_m, part: string) => part.charAt(0).toUpperCase() + part.slice(1).replace(/-([a-z])/g, (_x, c: string) => c.toUpperCase()))}`,
    summary: operation.summary,
    tags: [operation.tag],
    ...(operation.scopes === 'public' ? { security: [] } : { security: [{ bearerToken: [] }], 'x-laurel-scopes': [...operation.scopes] }),
    parameters: parametersOf(collector, operation),
    ...(body ? { requestBody: { required: true, content: Object.fromEntries((operation.bodyTypes ?? ['application/json']).map((t) => [t, { schema: body }])) } } : {}),
    responses,
  };
}

/** The OpenAPI 3.1 document of every described `/api/v1` operation. */
export function openApiDocument(props: { baseUrl: string; version: string }): Json {
  const collector = new SchemaCollector();
  const paths: Record<string, Json> = {};
  const sorted = [...describedOperations().values()].sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
  for (const operation of sorted) {
    const path = openApiPath(operation.path);
    paths[path] = { ...(paths[path] ?? {}), [operation.method]: operationObject(collector, operation) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Laurel API',
      version: props.version,
      description: 'Courses, achievements, awards, learners, event sources, platforms and tokens of a Laurel instance. Every operation except verification needs `Authorization: Bearer <token>` (see docs/api.md); errors are RFC 9457 problem documents with a `code`.',
    },
    servers: [{ url: props.baseUrl }],
    security: [{ bearerToken: [] }],
    paths,
    components: {
      securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer', description: 'An API token from `laurel token create` or POST /api/v1/tokens; its scopes are listed per operation as x-laurel-scopes (admin grants all).' } },
      schemas: collector.components,
    },
  };
}

/** `GET /api/v1/openapi.json`: public, like any API description; built on first request, once every router is mounted. */
export function createOpenApiRouter(ctx: AppContext): Router {
  const router = Router();
  let body: string | undefined;
  describeApiOperation({
    method: 'get', path: '/api/v1/openapi.json', tag: 'Meta', scopes: 'public', summary: 'This description (OpenAPI 3.1)',
    responses: { 200: z.looseObject({ openapi: z.string(), paths: z.looseObject({}) }) },
  });
  router.get('/api/v1/openapi.json', publicRoute(), publicRateLimit(ctx, { name: 'openapi' }), (_req, res) => {
    body ??= JSON.stringify(openApiDocument({ baseUrl: ctx.config.BASE_URL, version: packageVersion() }));
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(body);
  });
  return router;
}

function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version?: string };
  return manifest.version ?? '0.0.0';
}
