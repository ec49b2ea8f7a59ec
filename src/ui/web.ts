// In-course pages (instructor, learner, admin) served inside the LMS after an LTI launch. Mounted at
// `/lti/courses/:courseId` ahead of the LTI module's placeholder pages, so these answer first.
import express, { type Router } from 'express';
import type { AppContext } from '../context';
import { adminRouter, createOperatorConsoleRouter as operatorConsole } from './admin';
import { CsrfTokens } from '../http';
import { instructorRouter } from './instructor';
import { learnerRouter } from './learner';

export function createCoursePagesRouter(ctx: AppContext): Router {
  const csrf = new CsrfTokens(ctx.config.SESSION_SECRET);
  const router = express.Router({ mergeParams: true });
  router.use('/instructor', instructorRouter(ctx, csrf));
  router.use('/learner', learnerRouter(ctx, csrf));
  router.use('/admin', adminRouter(ctx, csrf));
  return router;
}

/** The operator console outside any course, mounted at `/admin` (sign-in with `laurel operator link`). */
export function createOperatorConsoleRouter(ctx: AppContext): Router {
  return operatorConsole(ctx, new CsrfTokens(ctx.config.SESSION_SECRET));
}

export { CsrfTokens } from '../http';
