import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { LaurelError, type FieldIssue } from '../errors';

function issuesOf(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
}

function refuse(where: string, error: z.ZodError): LaurelError {
  const issues = issuesOf(error);
  const first = issues[0]!;
  return new LaurelError('ERR_VALIDATION', `Invalid ${where}: ${first.field}: ${first.message}`, { issues });
}

/** Replaces `req.body` with its parsed value, or answers 422 with field-level issues. */
export function validateBody<S extends z.ZodType>(schema: S): RequestHandler {
  return (req, _res, next) => {
    const result = schema.safeParse(req.body ?? {});
    if (!result.success) return next(refuse('request body', result.error));
    req.body = result.data;
    next();
  };
}

/** Parses the query string into `res.locals.query`. */
export function validateQuery<S extends z.ZodType>(schema: S): RequestHandler {
  return (req, res, next) => {
    const result = schema.safeParse(req.query);
    if (!result.success) return next(refuse('query', result.error));
    res.locals.query = result.data;
    next();
  };
}

/** Wraps an async handler so rejections reach the error middleware (express 4 does not). */
export function handle(fn: (...args: Parameters<RequestHandler>) => Promise<unknown>): RequestHandler {
  return (req, res, next) => {
    fn(req, res, next).catch(next);
  };
}
