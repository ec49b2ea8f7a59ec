import type { Request, RequestHandler, Response } from 'express';
import { can } from '../policies';
import type { LtiSession } from '../lti';
import type { SourceScope } from '../events';
import type { CsrfTokens } from '../http';

/**
 * Who looks at the administration console, whichever door they came through: a platform
 * administrator (or an operator) launched into a course (`/lti/courses/:courseId/admin`), or an
 * operator signed in outside any course (`/admin`, from `laurel operator link`). The console's
 * handlers read only this, so both doors share one set of routes and one policy.
 */
export interface ConsoleViewer {
  /** The audit actor: `lti:<learner id>` or the operator session's subject. */
  actor: string;
  /** The platform whose administrator this is; null for an operator outside any course. */
  platformId: string | null;
  /** A named instance operator (the policy's `instance:operate`). */
  operator: boolean;
  /** The console's own URL, for forms and redirects. */
  here: string;
  /** The course the console was opened from (tabs back to its pages). */
  session?: LtiSession;
  /** The CSRF token of this viewer's forms. */
  csrf: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      consoleViewer?: ConsoleViewer;
      /** Whom the CSRF token of a form post is bound to, when not an LTI session (the operator console). */
      csrfSubject?: { platformId: string; courseId: string; learnerId: string };
    }
  }
}

export function viewerOf(res: Response): ConsoleViewer {
  const viewer = res.locals.consoleViewer;
  if (!viewer) throw new TypeError('console handler used without a console viewer');
  return viewer;
}

/** The in-course door: after `requireCourseRole('admin')`. */
export function courseConsoleViewer(csrf: CsrfTokens): RequestHandler {
  return (req, res, next) => {
    const session = res.locals.ltiSession as LtiSession;
    const principal = res.locals.principal;
    res.locals.consoleViewer = {
      actor: `lti:${session.learnerId}`,
      platformId: session.platformId,
      operator: principal ? can(principal, 'instance:operate') : false,
      here: `/lti/courses/${String(req.params.courseId)}/admin`,
      session,
      csrf: csrf.tokenFor(session),
    };
    next();
  };
}

/** The operator door: after `requireOperator`, with an operator session cookie (or an instance token). */
export function operatorConsoleViewer(csrf: CsrfTokens): RequestHandler {
  return (_req, res, next) => {
    const actor = String(res.locals.adminActor);
    const subject = { platformId: 'operator', courseId: 'console', learnerId: actor };
    res.locals.csrfSubject = subject;
    res.locals.consoleViewer = { actor, platformId: null, operator: true, here: '/admin', csrf: csrf.tokenFor(subject) };
    next();
  };
}

/** Which event sources the viewer reaches: an operator every one, a platform administrator their platform's. */
export function sourceScopeOf(viewer: ConsoleViewer): SourceScope {
  return viewer.operator || !viewer.platformId ? 'all' : { platformId: viewer.platformId };
}

/** The console's form posts: the viewer's own platform is the subject of `platform:administer`. */
export const ownPlatform = (res: Response) => ({ platformId: viewerOf(res).platformId });

export const consoleHere = (_req: Request, res: Response) => viewerOf(res).here;
