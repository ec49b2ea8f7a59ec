import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import type { AppContext } from '../context';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { decide } from '../policies';
import { authenticateToken } from '../tokens';
import { declare, type Declared } from './permission';

const COOKIE = 'laurel_admin';
// A new audience (was laurel:admin-session): sessions issued to every LMS administrator before
// issue 15 must not open operator pages.
const AUDIENCE = 'laurel:operator-session';
const LIFETIME_SECONDS = 3600;

// A key of its own derived from SESSION_SECRET, so no other signed cookie or token verifies here.
function keyOf(config: Config): Uint8Array {
  return createHash('sha256').update(`laurel-admin-session:${config.SESSION_SECRET}`).digest();
}

/**
 * Grants the browser an hour of operator access to the pages outside a course (`/admin`: the
 * operator console and the queue dashboard). Issued only to named operators: from the console of a
 * launch whose person is in the operators table, or from a one-time `laurel operator link`. The cookie
 * is scoped to `/admin` and, over HTTPS, `SameSite=None; Secure` so it also works inside the LMS iframe.
 */
export async function issueOperatorSession(res: Response, config: Config, actor: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(actor).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + LIFETIME_SECONDS).sign(keyOf(config));
  const secure = config.BASE_URL.startsWith('https:');
  res.cookie(COOKIE, token, { httpOnly: true, secure, sameSite: secure ? 'none' : 'lax', path: '/admin', maxAge: LIFETIME_SECONDS * 1000 });
}

/** The operator actor of a valid operator session cookie, or undefined. */
export async function readOperatorSession(req: Request, config: Config): Promise<string | undefined> {
  const cookie = (req.cookies as Record<string, string> | undefined)?.[COOKIE];
  if (!cookie) return undefined;
  try {
    const { payload } = await jwtVerify(cookie, keyOf(config), { algorithms: ['HS256'], audience: AUDIENCE });
    return typeof payload.sub === 'string' ? payload.sub : undefined;
  } catch {
    return undefined; // an expired or forged cookie is no session
  }
}

/**
 * Operator-only routes outside a course (queue dashboard, operator console): an instance-wide API
 * token with the admin scope, or an operator session. A platform-bound token or an LMS administrator
 * who is not a named operator is refused.
 */
export function requireOperator(ctx: AppContext): RequestHandler & Declared {
  return declare((req, res, next) => {
    const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const check = async (): Promise<string> => {
      if (bearer) {
        const token = await authenticateToken(ctx.database.db, bearer);
        if (!token) throw new LaurelError('ERR_UNAUTHENTICATED', 'The API token is unknown or revoked.');
        const principal = { kind: 'token' as const, platformId: token.platformId, scopes: token.scopes };
        const decision = decide(principal, 'instance:operate');
        if (!decision.allowed) throw new LaurelError('ERR_FORBIDDEN', decision.reason);
        res.locals.principal = principal;
        return `token:${token.name}`;
      }
      const actor = await readOperatorSession(req, ctx.config);
      if (actor) {
        res.locals.principal = { kind: 'operator', operatorId: actor };
        return actor;
      }
      throw new LaurelError('ERR_UNAUTHENTICATED', 'Operators only: open the administration page from your LMS (as a named operator) or sign in with a link from `laurel operator link`.');
    };
    check()
      .then((actor) => {
        res.locals.adminActor = actor;
        next();
      })
      .catch(next);
  }, 'instance:operate');
}
