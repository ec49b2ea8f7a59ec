import { createHash } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import type { LtiIdToken } from 'ltijs';
import { findDeployment, findPlatform, isActivePlatformLearner, upsertLtiLearner, type Learner, type Platform } from '../courses';
import { LaurelError } from '../errors';
import type { AnyKysely } from './storage';

/**
 * A person signed in across a platform, not inside one course: what Canvas account navigation ("My
 * badges") opens. One signed cookie (`laurel_lti_me`) binding platform and learner; course pages never
 * accept it (their sessions are per course, see session.ts).
 */
export interface PersonSession {
  platformId: string;
  learnerId: string;
}

const COOKIE = 'laurel_lti_me';
const AUDIENCE = 'laurel:person-session';

export class PersonSessions {
  private readonly key: Uint8Array;
  private readonly maxAgeSeconds: number;

  constructor(private readonly options: { secret: string; secure: boolean; maxAgeSeconds?: number }) {
    if (options.secret.length < 32) throw new TypeError('Person session secret must be at least 32 characters');
    // A key of its own: a course session cookie never verifies here, nor the reverse.
    this.key = createHash('sha256').update(`laurel-person-session:${options.secret}`).digest();
    this.maxAgeSeconds = options.maxAgeSeconds ?? 8 * 3600;
  }

  cookieOptions(): CookieOptions {
    // As course sessions: SameSite=None; Secure inside an LMS frame over HTTPS, Lax over plain HTTP.
    return this.options.secure
      ? { httpOnly: true, secure: true, sameSite: 'none', path: '/lti/me', maxAge: this.maxAgeSeconds * 1000 }
      : { httpOnly: true, secure: false, sameSite: 'lax', path: '/lti/me', maxAge: this.maxAgeSeconds * 1000 };
  }

  async issue(res: Response, session: PersonSession, now: Date = new Date()): Promise<void> {
    const iat = Math.floor(now.getTime() / 1000);
    const token = await new SignJWT({ plt: session.platformId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(session.learnerId)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.maxAgeSeconds)
      .sign(this.key);
    res.cookie(COOKIE, token, this.cookieOptions());
  }

  async read(req: Request, now: Date = new Date()): Promise<PersonSession | undefined> {
    const token = (req.cookies as Record<string, unknown> | undefined)?.[COOKIE];
    if (typeof token !== 'string') return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now });
      if (typeof payload.sub !== 'string' || typeof payload.plt !== 'string') return undefined;
      return { platformId: payload.plt, learnerId: payload.sub };
    } catch {
      return undefined;
    }
  }
}

let registered: { sessions: PersonSessions; db: AnyKysely } | undefined;

/** Called once by `createLti`. */
export function usePersonSessions(sessions: PersonSessions, db: AnyKysely): void {
  registered = { sessions, db };
}

/**
 * Guards the person's own pages: a valid person session whose platform is still active. The session
 * is in `res.locals.personSession`.
 */
export function requirePerson(): RequestHandler {
  return (req, res, next) => {
    const current = registered;
    if (!current) return next(new TypeError('requirePerson used before createLti()'));
    (async () => {
      const session = await current.sessions.read(req);
      if (!session) throw new LaurelError('ERR_UNAUTHENTICATED', 'Your Laurel session has ended: open "My badges" again from your LMS.');
      if (!(await isActivePlatformLearner(current.db, { platformId: session.platformId, learnerId: session.learnerId }))) throw new LaurelError('ERR_FORBIDDEN', 'Your access to Laurel has ended: open "My badges" again from your LMS.');
      res.locals.personSession = session;
    })().then(() => next(), next);
  };
}

/** Whether a verified launch asks for the person's badges across courses (Canvas account navigation). */
export function isMyBadgesLaunch(token: LtiIdToken, target: string): boolean {
  const custom = (token.platformContext.custom ?? {}) as Record<string, unknown>;
  return custom.laurel_target === target;
}

/**
 * Records what an account-level launch tells Laurel: the person on this platform (no course, no
 * enrolment: account navigation has no course context).
 */
export async function recordAccountLaunch<T>(db: import('kysely').Kysely<T>, token: LtiIdToken): Promise<{ platform: Platform; learner: Learner }> {
  const platform = await findPlatform(db, { issuer: token.iss, clientId: token.clientId });
  if (!platform || platform.status !== 'active') throw new LaurelError('ERR_LTI_LAUNCH_INVALID', 'This platform is not active in Laurel.', { details: { reason: 'PLATFORM_INACTIVE' } });
  if (!(await findDeployment(db, { platformId: platform.id, deploymentId: String(token.deploymentId) }))) {
    throw new LaurelError('ERR_LTI_DEPLOYMENT_UNKNOWN', undefined, { details: { reason: 'UNKNOWN_DEPLOYMENT' } });
  }
  const info = token.userInfo ?? {};
  const custom = (token.platformContext.custom ?? {}) as Record<string, unknown>;
  const lmsUserId = typeof custom.laurel_user_id === 'string' && custom.laurel_user_id && !custom.laurel_user_id.startsWith('$') ? custom.laurel_user_id : null;
  const learner = await upsertLtiLearner(db, {
    platformId: platform.id,
    ltiUserId: token.user,
    lmsUserId,
    email: info.email || null,
    name: info.name || [info.given_name, info.family_name].filter(Boolean).join(' ') || null,
  });
  return { platform, learner };
}
