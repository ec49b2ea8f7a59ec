import express, { type RequestHandler, type Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { LaurelError, type FieldIssue } from '../errors';
import type { Scope } from '../tokens';
import { apiScope, requireToken, tokenActor, type ApiScope } from './auth';
import { publicRateLimit } from './rate-limit';
import { handle } from './validate';

/**
 * The `/api/v1` route kit: one declaration per operation gives both the express route (rate limit →
 * token → zod validation → one use-case) and its OpenAPI description, from the same zod schemas.
 * Routes that predate the kit describe themselves with `describeApiOperation` next to their code.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiOperation {
  method: HttpMethod;
  /** The full express path, e.g. `/api/v1/achievements/:id`. */
  path: string;
  summary: string;
  /** Groups operations in the document (one tag per resource). */
  tag: string;
  /** Token scopes of which one is required (`admin` grants all); `public` for none. */
  scopes: readonly Scope[] | 'public';
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Media types of the request body; default JSON. */
  bodyTypes?: readonly string[];
  /** Success answers: status → body schema (null: no body). */
  responses: Record<number, z.ZodType | null>;
  /** Media type of the success bodies; default JSON. */
  responseType?: string;
  /** Problem (RFC 9457) answers this operation may give besides 401/403/429/500. */
  problems?: readonly number[];
}

const operations = new Map<string, ApiOperation>();

/** Adds an operation to the API description (idempotent: apps built twice describe it once). */
export function describeApiOperation(operation: ApiOperation): void {
  operations.set(`${operation.method.toUpperCase()} ${operation.path}`, operation);
}

/** Every described operation, keyed `METHOD /api/v1/path/:param`. */
export function describedOperations(): ReadonlyMap<string, ApiOperation> {
  return operations;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** What a handler receives: validated input, the caller's tenant reach and audit name. */
export interface ApiCall<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  scope: ApiScope;
  actor: string;
  now: Date;
}

export interface ApiReply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

// One limiter per context: every authenticated API route shares its counters.
const limiters = new WeakMap<AppContext, RequestHandler>();
function apiRateLimit(ctx: AppContext): RequestHandler {
  let limiter = limiters.get(ctx);
  if (!limiter) {
    // Before the token check, so guessing tokens is throttled too; scripts get ten times a page's budget.
    limiter = publicRateLimit(ctx, { name: 'api', limit: ctx.config.RATE_LIMIT_PER_MINUTE * 10 });
    limiters.set(ctx, limiter);
  }
  return limiter;
}

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
}

function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = issuesOf(result.error);
  throw new LaurelError('ERR_VALIDATION', `Invalid ${where}: ${issues[0]!.field}: ${issues[0]!.message}`, { issues });
}

/**
 * Mounts one described operation on `router` (which is mounted at the root): rate limit, bearer token
 * with the declared scopes, JSON body parsing, zod validation of path, query and body, then `run`.
 * A path parameter that fails its schema answers 404: no object can have that id.
 */
export function apiRoute<const O extends ApiOperation>(
  router: Router,
  ctx: AppContext,
  operation: O,
  run: (call: ApiCall<Out<O['params']>, Out<O['query']>, Out<O['body']>>) => Promise<ApiReply>,
): void {
  describeApiOperation(operation);
  const chain: RequestHandler[] = [apiRateLimit(ctx)];
  if (operation.scopes !== 'public') chain.push(requireToken(ctx, ...operation.scopes));
  if (operation.body) chain.push(express.json({ limit: '1mb' }));
  chain.push(handle(async (req, res) => {
    let params: unknown;
    if (operation.params) {
      const result = operation.params.safeParse(req.params);
      if (!result.success) throw new LaurelError('ERR_NOT_FOUND', 'No object has this id.');
      params = result.data;
    }
    const query = operation.query ? parse(operation.query, req.query, 'query') : undefined;
    const body = operation.body ? parse(operation.body, req.body ?? {}, 'request body') : undefined;
    const token = res.locals.apiToken;
    const reply = await run({ params, query, body, scope: apiScope(token), actor: tokenActor(token), now: new Date() } as ApiCall<Out<O['params']>, Out<O['query']>, Out<O['body']>>);
    const status = reply.status ?? 200;
    res.status(status).set({ 'Cache-Control': 'no-store', ...reply.headers });
    if (reply.body === undefined) res.end();
    else res.json(reply.body);
  }));
  router[operation.method](operation.path, ...chain);
}

/** RFC 9457 problem document as Laurel answers it (src/http/errors.ts). */
export const problemSchema = z.looseObject({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  code: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
});

/** Opaque cursors and page sizes of listing operations. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(500).optional(),
};

/** A path `:id` that is a UUID. */
export const idParam = z.object({ id: z.uuid() });
