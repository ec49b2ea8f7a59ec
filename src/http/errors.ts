import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { LaurelError, type LaurelErrorCode } from '../errors';
import { createLogger, type Logger } from '../log';
import { renderPage } from './views';

// Used only when a request bypassed pino-http (never in the real app).
const fallbackLog = createLogger({ level: process.env.LOG_LEVEL ?? 'info', name: 'laurel-errors' });

// Codes not listed answer 400 (bad input); add a line when a new code deserves another status.
const statusByCode: Partial<Record<LaurelErrorCode, number>> = {
  ERR_VALIDATION: 422,
  ERR_MALFORMED: 400,
  ERR_NOT_FOUND: 404,
  ERR_CONFLICT: 409,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_RATE_LIMITED: 429,
  ERR_PAYLOAD_TOO_LARGE: 413,
  ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  ERR_UNAVAILABLE: 503,
  ERR_LTI_LAUNCH_INVALID: 401,
  ERR_LTI_DEPLOYMENT_UNKNOWN: 403,
  ERR_EVENT_SIGNATURE: 401,
  ERR_EVENT_STALE: 401,
  ERR_EVENT_MALFORMED: 400,
  ERR_CREDENTIAL_INVALID: 422,
  ERR_KEY_UNAVAILABLE: 503,
  ERR_ACHIEVEMENT_NOT_PUBLISHED: 409,
  ERR_AWARD_REVOKED: 409,
  ERR_PROTOCOL: 400,
  ERR_INTERNAL: 500,
};

/** HTTP status of an error code. */
export function statusOf(code: LaurelErrorCode): number {
  return statusByCode[code] ?? 400;
}

/** Machine clients (API, webhooks, JSON accept) get problem JSON; browsers get a page. */
function wantsJson(req: Request): boolean {
  if (/^\/(api|events)\//.test(req.path) || req.path.startsWith('/.well-known/')) return true;
  // Browsers navigating always send text/html in Accept; scripts and API clients rarely do.
  if (!String(req.headers.accept ?? '').includes('text/html')) return true;
  return req.accepts(['html', 'json', 'application/problem+json']) !== 'html';
}

/** Translates what body-parser and friends throw into our codes. */
function normalise(error: unknown): LaurelError {
  if (error instanceof LaurelError) return error;
  const e = error as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.too.large') return new LaurelError('ERR_PAYLOAD_TOO_LARGE', undefined, { cause: error });
  if (e?.type === 'entity.parse.failed') return new LaurelError('ERR_MALFORMED', 'The request body is not valid JSON.', { cause: error });
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', undefined, { cause: error });
  if (e?.status === 400 && e.type) return new LaurelError('ERR_MALFORMED', e.message, { cause: error });
  return new LaurelError('ERR_INTERNAL', undefined, { cause: error });
}

export const notFound: RequestHandler = (_req, _res, next) => next(new LaurelError('ERR_NOT_FOUND'));

/** An error as the client sees it: its status, our code, and the RFC 9457 problem document. */
export interface Problem {
  status: number;
  error: LaurelError;
  document: Record<string, unknown>;
}

/** Builds the problem document of any thrown value (the one mapping, for express and the lean intake path). */
export function problemOf(error: unknown, requestId: string | undefined): Problem {
  const problem = normalise(error);
  const status = statusOf(problem.code);
  const document = {
    type: `urn:laurel:problem:${problem.code.toLowerCase()}`,
    title: titleOf(status),
    status,
    detail: problem.message,
    code: problem.code,
    instance: requestId ? `urn:laurel:request:${requestId}` : undefined,
    ...(problem.issues.length ? { errors: problem.issues } : {}),
    ...problem.details,
  };
  return { status, error: problem, document };
}

/** The log line of a refusal (warn) or a failure of ours (error, with its cause). */
export function logProblem(log: Pick<Logger, 'warn' | 'error'>, { status, error }: Problem): void {
  if (status >= 500) log.error({ err: error.cause ?? error, code: error.code }, error.message);
  else log.warn({ code: error.code, reason: error.message, issues: error.issues.length ? error.issues : undefined }, 'request refused');
}

/**
 * The one place errors become responses: RFC 9457 problem JSON or a friendly page, never a stack
 * trace. Internal errors are logged with their cause and the request id the client sees.
 */
export const errorHandler: ErrorRequestHandler = (error, req, res, _next) => {
  const requestId = String(req.id ?? '');
  const answer = problemOf(error, requestId);
  const { status, error: problem } = answer;
  logProblem(req.log ?? fallbackLog, answer);
  if (res.headersSent) return res.end();
  // RFC 6749 section 5.2: a failed client authentication is challenged with the scheme the client used.
  if (problem.details.error === 'invalid_client') res.set('WWW-Authenticate', 'Basic realm="laurel"');
  else if (problem.code === 'ERR_UNAUTHENTICATED' && req.headers.authorization !== undefined) res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
  else if (problem.code === 'ERR_UNAUTHENTICATED') res.set('WWW-Authenticate', 'Bearer');
  if (wantsJson(req)) {
    res.status(status).type('application/problem+json').json(answer.document);
    return;
  }
  renderPage(res.status(status), 'error', { title: titleOf(status), status, message: problem.message, requestId });
};

function titleOf(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad request', 401: 'Not signed in', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict',
    413: 'Too large', 415: 'Unsupported media type', 422: 'Cannot process this request', 429: 'Too many requests',
    500: 'Something went wrong', 503: 'Temporarily unavailable',
  };
  return titles[status] ?? 'Error';
}
