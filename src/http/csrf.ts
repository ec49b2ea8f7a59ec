import { createHmac, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import { LaurelError } from '../errors';
import type { LtiSession } from '../lti';

/**
 * CSRF protection for the course pages. Inside an LMS iframe the session cookie must be
 * `SameSite=None`, so the browser attaches it to cross-site form posts too: every form carries a token
 * that only Laurel can compute, an HMAC (key derived from SESSION_SECRET) of the session's platform,
 * course and person. A page on another site can neither read it (same-origin policy) nor forge it.
 */
export class CsrfTokens {
  private readonly key: Buffer;

  constructor(secret: string) {
    // A key of its own, so a CSRF token is never a valid MAC anywhere else.
    this.key = createHmac('sha256', secret).update('laurel-ui-csrf').digest();
  }

  tokenFor(session: Pick<LtiSession, 'platformId' | 'courseId' | 'learnerId'>): string {
    return createHmac('sha256', this.key).update(`${session.platformId}\n${session.courseId}\n${session.learnerId}`).digest('base64url');
  }

  matches(session: Pick<LtiSession, 'platformId' | 'courseId' | 'learnerId'>, presented: unknown): boolean {
    if (typeof presented !== 'string' || presented.length > 100) return false;
    const expected = Buffer.from(this.tokenFor(session));
    const given = Buffer.from(presented);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Refuses the request unless `req.body._csrf` is this session's token; run after the body parser and the role guard. */
  verify(): RequestHandler {
    return (req, res, next) => {
      // The operator console (outside any course) binds its forms to the operator session instead.
      const session = (res.locals.csrfSubject ?? res.locals.ltiSession) as LtiSession | undefined;
      const presented = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!session || !this.matches(session, presented)) return next(new LaurelError('ERR_FORBIDDEN', 'This form has expired or was not sent from Laurel: reload the page and try again.'));
      next();
    };
  }
}

export function sessionOf(res: Response): LtiSession {
  const session = res.locals.ltiSession as LtiSession | undefined;
  if (!session) throw new TypeError('course page handler used without requireCourseRole');
  return session;
}

/** The audit actor of a course page request. */
export function actorOf(res: Response): string {
  return `lti:${sessionOf(res).learnerId}`;
}
