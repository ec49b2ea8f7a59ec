import { createHash } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { LaurelError } from '../errors';
import { hasActiveEnrollment, isUuid } from '../courses';
import { isOperator } from '../operators';
import type { Permission } from '../policies';
import { declare, type Declared } from '../http';
import type { AnyKysely } from './storage';
import type { CourseRole } from './roles';

/** A Laurel session inside one course, created by a verified LTI launch. */
export interface LtiSession {
  platformId: string;
  courseId: string;
  learnerId: string;
  roles: CourseRole[];
}

export interface SessionOptions {
  /** HMAC secret (SESSION_SECRET). */
  secret: string;
  /** True when Laurel is served over HTTPS: cookies become `SameSite=None; Secure` (needed inside LMS iframes). */
  secure: boolean;
  /** Session lifetime in seconds. Default 8 hours. */
  maxAgeSeconds?: number;
}

const COOKIE_PREFIX = 'laurel_lti_';
const AUDIENCE = 'laurel:lti-session';
const ROLES: readonly CourseRole[] = ['admin', 'instructor', 'learner'];

/**
 * Sessions are one signed cookie per course (`laurel_lti_<courseId>`), so a person with Laurel open in
 * two courses (two LMS tabs) keeps both, and the course a request names selects the session that may
 * serve it. The cookie holds a short HS256 JWT binding platform, course, learner and roles.
 */
export class LtiSessions {
  private readonly key: Uint8Array;
  private readonly maxAgeSeconds: number;

  constructor(private readonly options: SessionOptions) {
    if (options.secret.length < 32) throw new TypeError('LTI session secret must be at least 32 characters');
    // A key of its own, derived from the shared secret, so a token from another feature never verifies here.
    this.key = createHash('sha256').update(`laurel-lti-session:${options.secret}`).digest();
    this.maxAgeSeconds = options.maxAgeSeconds ?? 8 * 3600;
  }

  cookieName(courseId: string): string {
    return `${COOKIE_PREFIX}${courseId}`;
  }

  cookieOptions(): CookieOptions {
    // Inside an LMS iframe the cookie is third-party: browsers send it only with SameSite=None, which
    // they accept only with Secure. Over plain HTTP (local development) Lax is the best available.
    return this.options.secure
      ? { httpOnly: true, secure: true, sameSite: 'none', path: '/', maxAge: this.maxAgeSeconds * 1000 }
      : { httpOnly: true, secure: false, sameSite: 'lax', path: '/', maxAge: this.maxAgeSeconds * 1000 };
  }

  async issue(res: Response, session: LtiSession, now: Date = new Date()): Promise<void> {
    const token = await new SignJWT({ plt: session.platformId, crs: session.courseId, roles: session.roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(session.learnerId)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(now.getTime() / 1000))
      .setExpirationTime(Math.floor(now.getTime() / 1000) + this.maxAgeSeconds)
      .sign(this.key);
    res.cookie(this.cookieName(session.courseId), token, this.cookieOptions());
  }

  /** Every valid session among the request's course cookies (one per course the person launched). */
  async readAll(req: Request, now: Date = new Date()): Promise<LtiSession[]> {
    const names = new Set<string>(Object.keys((req.cookies as Record<string, unknown> | undefined) ?? {}));
    for (const part of (req.headers.cookie ?? '').split(';')) names.add(part.slice(0, part.indexOf('=')).trim());
    const sessions: LtiSession[] = [];
    for (const name of names) {
      if (!name.startsWith(COOKIE_PREFIX) || !isUuid(name.slice(COOKIE_PREFIX.length))) continue;
      const session = await this.read(req, name.slice(COOKIE_PREFIX.length), now);
      if (session) sessions.push(session);
    }
    return sessions;
  }

  /** The session for a course from the request's cookies, or undefined when absent or invalid. */
  async read(req: Request, courseId: string, now: Date = new Date()): Promise<LtiSession | undefined> {
    const token = readCookie(req, this.cookieName(courseId));
    if (!token) return undefined;
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], audience: AUDIENCE, currentDate: now });
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is CourseRole => ROLES.includes(r as CourseRole)) : [];
      if (typeof payload.sub !== 'string' || typeof payload.crs !== 'string' || typeof payload.plt !== 'string') return undefined;
      return { platformId: payload.plt, courseId: payload.crs, learnerId: payload.sub, roles };
    } catch {
      return undefined;
    }
  }
}

function readCookie(req: Request, name: string): string | undefined {
  const parsed = (req.cookies as Record<string, unknown> | undefined)?.[name];
  if (typeof parsed === 'string') return parsed;
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Whether a session's standing still holds in the database (see requireCourseRole). */
export type SessionStanding = (session: LtiSession) => Promise<boolean>;

let registered: { sessions: LtiSessions; standing: SessionStanding; db?: AnyKysely } | undefined;

/** Called once by `createLti`; `requireCourseRole` needs the session keys, the standing check and the database (operators). */
export function useSessions(sessions: LtiSessions, standing: SessionStanding, db?: AnyKysely): void {
  registered = { sessions, standing, ...(db ? { db } : {}) };
}

/**
 * A session stands while its platform is active and the person's enrolment in the course is active:
 * disabling a platform or a roster sync that drops someone ends their sessions at the next request,
 * not when the cookie expires.
 */
export function sessionStanding(db: AnyKysely): SessionStanding {
  return (session) => hasActiveEnrollment(db, { platformId: session.platformId, courseId: session.courseId, learnerId: session.learnerId });
}

const PERMISSION_OF: Record<CourseRole, Permission> = { learner: 'course:learn', instructor: 'course:teach', admin: 'platform:administer' };

/**
 * The person signed in through any course's LTI launch, for pages outside a course (the OB 3.0 API
 * consent): the first session whose standing still holds, or undefined.
 */
export async function signedInPerson(req: Request): Promise<LtiSession | undefined> {
  const current = registered;
  if (!current) throw new TypeError('signedInPerson used before createLti()');
  for (const session of await current.sessions.readAll(req)) {
    if (await current.standing(session)) return session;
  }
  return undefined;
}

/**
 * Guards a route under `:courseId` on every request: the caller must hold a valid Laurel session for
 * that very course (one launched from the LMS) with the given role. The session is in
 * `res.locals.ltiSession`, the policy principal in `res.locals.principal`. Another course's id, a
 * forged or expired cookie, or a learner asking for an instructor route are refused (401 without a
 * session, 403 with the wrong one). For `admin` (the platform administration console) a named
 * instance operator launching with any role also passes: operators come from Laurel's own table.
 */
export function requireCourseRole(role: CourseRole): RequestHandler & Declared {
  return declare((req, res, next) => {
    const current = registered;
    if (!current) return next(new TypeError('requireCourseRole used before createLti()'));
    const courseId = req.params.courseId;
    if (typeof courseId !== 'string' || !isUuid(courseId)) return next(new LaurelError('ERR_NOT_FOUND'));
    (async () => {
      const session = await current.sessions.read(req, courseId);
      if (!session) throw new LaurelError('ERR_UNAUTHENTICATED', 'Your Laurel session for this course has ended: open Laurel again from your course.');
      // The cookie name selects the course, but the signed claim is what binds it.
      if (session.courseId !== courseId) throw new LaurelError('ERR_FORBIDDEN', 'This session belongs to another course.');
      const operator = role === 'admin' && current.db ? await isOperator(current.db, { platformId: session.platformId, learnerId: session.learnerId }) : false;
      if (!session.roles.includes(role) && !operator) {
        throw new LaurelError('ERR_FORBIDDEN', role === 'admin' ? 'This page is for the LMS’s institution administrators and Laurel’s operators.' : `This page is for the course's ${role}s.`);
      }
      if (!(await current.standing(session))) throw new LaurelError('ERR_FORBIDDEN', 'Your access to this course in Laurel has ended: open Laurel again from your course.');
      res.locals.ltiSession = session;
      res.locals.principal = { kind: 'person', platformId: session.platformId, courseId: session.courseId, roles: session.roles, operator };
    })().then(() => next(), next);
  }, PERMISSION_OF[role]);
}
