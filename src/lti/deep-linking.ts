import type { Request, RequestHandler, Response } from 'express';
import type { DeepLinkingContentItem, LtiIdToken } from 'ltijs';
import { z } from 'zod';
import { listAchievements } from '../badges';
import { renderPage } from '../http';
import { CUSTOM, recordLaunch } from './launch';
import { refuse } from './refusals';
import { courseRoles } from './roles';
import type { LtiRuntime } from './runtime';
import { scriptUrl } from './launch-routes';
import { toolEndpoints } from './tool-config';

const choiceSchema = z.object({
  choice: z.string().regex(/^(course|achievement:[0-9a-f-]{36})$/),
  graded: z.literal('1').optional(),
});

/** What an instructor may place: the course badge page, or one of the course's badges. */
async function choicesFor(rt: LtiRuntime, courseId: string): Promise<{ value: string; label: string }[]> {
  const achievements = await listAchievements({ db: rt.db }, { courseId });
  return [
    { value: 'course', label: 'The course badge page (all badges, each learner’s progress)' },
    ...achievements.filter((a) => a.status !== 'archived').map((a) => ({ value: `achievement:${a.id}`, label: `The badge “${a.name}”` })),
  ];
}

/** The LtiDeepLinkingRequest landing: records the course, then asks the instructor what to place. */
export function deepLinkingPage(rt: LtiRuntime): (token: LtiIdToken, req: Request, res: Response) => Promise<void> {
  return async (token, _req, res) => {
    const outcome = await recordLaunch(rt.db, token);
    await rt.sessions.issue(res, outcome.session);
    renderPage(res, 'lti-deep-linking', {
      title: 'Place Laurel',
      course: outcome.course,
      action: `${rt.options.basePath}/deep-linking`,
      ltik: String(res.locals.ltik ?? ''),
      choices: await choicesFor(rt, outcome.course.id),
      embedded: true,
    });
  };
}

/**
 * The instructor's choice, answered to the platform as a signed LtiDeepLinkingResponse: a resource
 * link whose custom `laurel_target` says what it opens, with a line item when placed as an assignment.
 * Mounted inside ltijs's app, so the ltik and session cookie are checked before this runs.
 */
export function deepLinkingResponse(rt: LtiRuntime): RequestHandler {
  return async (req, res, next) => {
    try {
      const token = res.locals.token as LtiIdToken | undefined;
      if (!token || token.platformContext.messageType !== 'LtiDeepLinkingRequest') return refuse(req, res, rt.logger, { reason: 'SESSION_EXPIRED', status: 401 });
      const roles = courseRoles(token.platformContext.roles ?? []);
      if (!roles.includes('instructor') && !roles.includes('admin')) return refuse(req, res, rt.logger, { reason: 'NO_ROLE', status: 403 });
      const input = choiceSchema.safeParse(req.body);
      const outcome = await recordLaunch(rt.db, token);
      const choices = await choicesFor(rt, outcome.course.id);
      const chosen = input.success ? choices.find((c) => c.value === input.data.choice) : undefined;
      if (!input.success || !chosen) return refuse(req, res, rt.logger, { reason: 'MALFORMED', status: 400, message: 'Choose what to place.' });
      const achievementName = chosen.value === 'course' ? undefined : chosen.label.replace(/^The badge “|”$/g, '');
      const title = achievementName ? `Badge: ${achievementName}` : `Badges: ${outcome.course.title}`;
      const item: DeepLinkingContentItem = {
        type: 'ltiResourceLink',
        title,
        url: toolEndpoints(rt.urls).launch,
        custom: { [CUSTOM.target]: chosen.value },
        ...(input.data.graded ? { lineItem: { scoreMaximum: 100, label: title, resourceId: `laurel:${chosen.value}`, tag: 'laurel' } } : {}),
      };
      const jwt = await rt.lti.DeepLinking.createDeepLinkingMessage(token, [item], { message: `Laurel placed “${title}”.` });
      const returnUrl = token.platformContext.deepLinkingSettings?.deep_link_return_url ?? '';
      rt.logger.info({ courseId: outcome.course.id, target: chosen.value, graded: Boolean(input.data.graded) }, 'LTI deep link placed');
      renderPage(res, 'lti-autopost', { title: 'Placing Laurel', message: 'Returning to your course…', action: returnUrl, fields: [{ name: 'JWT', value: jwt }], scriptUrl: scriptUrl(rt), embedded: true });
    } catch (error) {
      next(error);
    }
  };
}
