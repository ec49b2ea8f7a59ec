import { createHash } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import type { AppContext } from '../context';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { authenticateToken, hasScope } from '../tokens';

const COOKIE = 'laurel_admin';
const AUDIENCE = 'laurel:admin-session';
const LIFETIME_SECONDS = 3600;

// A key of its own derived from SESSION_SECRET, so no other signed cookie or token verifies here.
function keyOf(config: Config): Uint8Array {
  return createHash('sha256').update(`laurel-admin-session:${config.SESSION_SECRET}`).digest();
}

/**
 * Grants the browser an hour of access to admin-only pages outside a course (the queue dashboard).
 * Called when an LMS administrator opens the admin console from a verified LTI launch. The cookie is
 * scoped to `/admin` and, over HTTPS, `SameSite=None; Secure` so it also works inside the LMS iframe.
 */
export async function issueAdminSession(res: Response, config: Config, actor: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(actor).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + LIFETIME_SECONDS).sign(keyOf(config));
  const secure = config.BASE_URL.startsWith('https:');
  res.cookie(COOKIE, token, { httpOnly: true, secure, sameSite: secure ? 'none' : 'lax', path: '/admin', maxAge: LIFETIME_SECONDS * 1000 });
}

/** Admin-only routes: an API token with the admin scope, or an admin browser session. */
export function requireAdmin(ctx: AppContext): RequestHandler {
  return (req, res, next) => {
    const bearer = req.headers.authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
    const cookie = (req.cookies as Record<string, string> | undefined)?.[COOKIE];
    const check = async (): Promise<string> => {
      if (bearer) {
        const token = await authenticateToken(ctx.database.db, bearer);
        if (!token) throw new LaurelError('ERR_UNAUTHENTICATED', 'The API token is unknown or revoked.');
        if (!hasScope(token, 'admin')) throw new LaurelError('ERR_FORBIDDEN', 'This token lacks the admin scope.');
        return `token:${token.name}`;
      }
      if (cookie) {
        try {
          const { payload } = await jwtVerify(cookie, keyOf(ctx.config), { algorithms: ['HS256'], audience: AUDIENCE });
          return String(payload.sub);
        } catch {
          // fall through: an expired or forged cookie is no session
        }
      }
      throw new LaurelError('ERR_UNAUTHENTICATED', 'Open the Laurel admin console from your LMS (as an administrator) first.');
    };
    check()
      .then((actor) => {
        res.locals.adminActor = actor;
        next();
      })
      .catch(next);
  };
}
