import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { LaurelError } from '../errors';
import { authenticateToken, hasScope, type ApiToken, type Scope } from '../tokens';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      apiToken?: ApiToken;
    }
  }
}

/**
 * Bearer-token authentication with scope checks: 401 when the token is missing, unknown or
 * revoked; 403 when it lacks every one of the scopes named (`admin` grants all).
 */
export function requireToken(ctx: AppContext, ...scopes: Scope[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) return next(new LaurelError('ERR_UNAUTHENTICATED', 'An API token is required: Authorization: Bearer <token>.'));
    authenticateToken(ctx.database.db, match[1]!)
      .then((token) => {
        if (!token) throw new LaurelError('ERR_UNAUTHENTICATED', 'The API token is unknown or revoked.');
        if (scopes.length && !scopes.some((scope) => hasScope(token, scope))) {
          throw new LaurelError('ERR_FORBIDDEN', `This token lacks the scope required: ${scopes.join(' or ')}.`);
        }
        res.locals.apiToken = token;
        next();
      })
      .catch(next);
  };
}

/** The actor name recorded in the audit log for a token-authenticated request. */
export function tokenActor(token: ApiToken | undefined): string {
  return token ? `token:${token.name}` : 'anonymous';
}

/**
 * The tenant reach of an authenticated API request. Every use-case behind `/api/v1` takes it and
 * filters by it, so that a token bound to one platform never sees another's objects (answer 404).
 * An instance-wide token has no `platformId`.
 */
export interface ApiScope {
  platformId?: string;
}

/** The scope of the token that authenticated this request (set by `requireToken`). */
export function apiScope(_token: ApiToken | undefined): ApiScope {
  // Every token is instance-wide until tokens can be bound to a platform (issue 15): this is the one
  // place that will read the binding.
  return {};
}
