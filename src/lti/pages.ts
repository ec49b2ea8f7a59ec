import express, { type Request, type Router } from 'express';
import { courseRoster, findCourse, getPlatform } from '../courses';
import { LaurelError } from '../errors';
import { renderPage } from '../http';
import { syncRoster } from './nrps';
import { listPlatforms } from './platforms';
import type { LtiRuntime } from './runtime';
import { serviceClients } from './services';
import { requireCourseRole, type LtiSession } from './session';

/**
 * LTI course routes beside the role pages: the admin page, the roster (JSON) and the roster sync the
 * instructor page's "Sync the roster" button posts. The instructor and learner pages themselves are
 * served by the ui module (src/ui), mounted ahead of this router.
 */
export function coursePages(rt: LtiRuntime): Router {
  const router = express.Router();
  const session = (res: express.Response) => res.locals.ltiSession as LtiSession;

  router.get('/courses/:courseId/admin', requireCourseRole('admin'), async (_req, res, next) => {
    try {
      // An LMS administrator sees the platforms of their own LMS only.
      const platforms = (await listPlatforms(rt.db)).filter((p) => p.id === session(res).platformId);
      const { courseId, roles } = session(res);
      renderPage(res, 'lti-admin', { title: 'Laurel administration', platforms, teaches: roles.includes('instructor'), courseId, basePath: rt.options.basePath, embedded: true });
    } catch (error) {
      next(error);
    }
  });

  router.get('/courses/:courseId/roster.json', requireCourseRole('instructor'), async (req, res, next) => {
    try {
      const course = await courseOf(rt, req);
      res.json({ courseId: course.id, members: await courseRoster(rt.db, { courseId: course.id }) });
    } catch (error) {
      next(error);
    }
  });

  router.post('/courses/:courseId/roster/sync', sameOrigin(rt), requireCourseRole('instructor'), async (req, res, next) => {
    try {
      const course = await courseOf(rt, req);
      const platform = course.platform_id ? await getPlatform(rt.db, course.platform_id) : undefined;
      if (!platform) throw new LaurelError('ERR_CONFLICT', 'This course is not linked to an LMS.');
      const clients = serviceClients({ store: rt.store, keyEncryptionKey: rt.config.KEY_ENCRYPTION_KEY, userAgent: rt.userAgent, fetch: rt.fetch, logger: rt.logger }, platform);
      const result = await syncRoster({ db: rt.db, http: clients.http, tokens: clients.tokens }, course);
      rt.logger.info({ courseId: course.id, ...result }, 'roster synced');
      // Grades parked for learners who never opened Laurel count now, not at the next sweep.
      if (rt.hooks.afterRosterSync) {
        await rt.hooks.afterRosterSync({ platformId: platform.id, courseId: course.id }).catch((error: unknown) => rt.logger.warn({ err: error, courseId: course.id }, 'parked events not processed after the roster sync'));
      }
      res.redirect(303, `${rt.options.basePath}/courses/${course.id}/instructor?done=roster-synced`);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

async function courseOf(rt: LtiRuntime, req: Request) {
  const course = await findCourse(rt.db, String(req.params.courseId));
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  return course;
}

/**
 * Session cookies are SameSite=None inside LMS iframes, so a state-changing POST must prove it comes
 * from a Laurel page: browsers send `Origin` (or at least `Referer`) on form posts.
 */
function sameOrigin(rt: LtiRuntime): express.RequestHandler {
  const origin = new URL(rt.config.BASE_URL).origin;
  return (req, _res, next) => {
    const claimed = req.get('origin') ?? originOf(req.get('referer'));
    if (claimed !== origin) return next(new LaurelError('ERR_FORBIDDEN', 'This form must be sent from a Laurel page.'));
    next();
  };
}

function originOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
