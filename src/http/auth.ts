import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { LaurelError } from '../errors';
import { decide, type Permission } from '../policies';
import { authenticateToken, type ApiToken, type Scope } from '../tokens';
import { declare, type Declared } from './permission';

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
 * revoked; 403 when it lacks every one of the scopes named (`admin` grants all), or when the policy
 * refuses a platform-bound token (metrics span every tenant). Declares `api:<first scope>`.
 */
export function requireToken(ctx: AppContext, ...scopes: Scope[]): RequestHandler & Declared {
  const permissions = (scopes.length ? scopes : ['admin' as const]).map((scope) => `api:${scope}` as Permission);
  return declare((req, res, next) => {
    const header = req.headers.authorization;
    const match = header?.match(/^Bearer\s+(\S+)$/i);
    if (!match) return next(new LaurelError('ERR_UNAUTHENTICATED', 'An API token is required: Authorization: Bearer <token>.'));
    authenticateToken(ctx.database.db, match[1]!)
      .then((token) => {
        if (!token) throw new LaurelError('ERR_UNAUTHENTICATED', 'The API token is unknown or revoked.');
        const principal = { kind: 'token' as const, platformId: token.platformId, scopes: token.scopes };
        const decisions = permissions.map((permission) => decide(principal, permission));
        if (!decisions.some((d) => d.allowed)) {
          const lacksScope = !scopes.some((scope) => token.scopes.includes(scope) || token.scopes.includes('admin'));
          throw new LaurelError('ERR_FORBIDDEN', lacksScope ? `This token lacks the scope required: ${scopes.join(' or ')}.` : decisions[0]!.reason);
        }
        res.locals.apiToken = token;
        res.locals.principal = principal;
        next();
      })
      .catch(next);
  }, permissions[0]!);
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

/**
 * The scope of the token that authenticated this request (set by `requireToken`): a token bound to a
 * platform reaches that platform only. Use-cases answer 404 (never 403) for objects outside it, so
 * ids of other tenants do not leak.
 */
export function apiScope(token: ApiToken | undefined): ApiScope {
  if (!token) throw new TypeError('apiScope used on a route without requireToken');
  return token.platformId ? { platformId: token.platformId } : {};
}

/** True when an object of `platformId` (null: instance-wide, e.g. a manual course) is within the scope. */
export function inApiScope(scope: ApiScope, platformId: string | null | undefined): boolean {
  return scope.platformId === undefined || scope.platformId === platformId;
}
