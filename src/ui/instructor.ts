import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { instructorAnalytics } from '../analytics';
import type { AppContext } from '../context';
import { listAssignments } from '../courses';
import { defaultBadgeSvg } from '../credentials';
import { requireCourseRole } from '../lti';
import { MAX_IMAGE_BYTES } from '../images';
import { courseBadgeCounts, listTierGroups } from '../publishing';
import { handle, renderPage } from '../http';
import { LaurelError } from '../errors';
import { gradebookFeedbackOn, gradebookSettingBody, setGradebookFeedback } from '../reach';
import type { BadgeFormValues, FieldErrors } from './badge-form';
import { sessionOf, type CsrfTokens } from '../http';
import { badgeFormView } from './form-view';
import { multipartForm } from '../http';
import { base, courseNav, courseOf, noticeOf } from './page-data';
import { createBadgeHandler } from './badge-create';
import { badgeListView } from './badge-list';
import { badgeDetailRoutes } from './badge-detail';
import { badgeEditRoutes } from './badge-edit';
import { importRoutes } from './imports';
import { lmsGradeRoutes, lmsSectionView } from './lms-section';

/** The instructor's course page: the course's badges with counts, and the "Create badge" form. */
export function instructorRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router({ mergeParams: true });
  router.use(requireCourseRole('instructor'));

  router.get('/', handle(async (req, res) => {
    await renderInstructorPage(ctx, csrf, req, res, { values: {}, errors: {} });
  }));

  router.get('/preview.svg', (req, res) => {
    const q = previewQuery.safeParse(req.query);
    const props = q.success ? q.data : { name: 'Badge', shape: 'circle' as const };
    res.type('image/svg+xml').set('Cache-Control', 'no-store').send(defaultBadgeSvg(props));
  });

  // Reach: the course's gradebook feedback switch (one click).
  router.post('/reach', express.urlencoded({ extended: false, limit: '1kb' }), csrf.verify(), handle(async (req, res) => {
    const body = gradebookSettingBody.safeParse(req.body);
    if (!body.success) throw new LaurelError('ERR_VALIDATION', 'Choose on or off.');
    const course = await courseOf(ctx, req);
    await setGradebookFeedback(ctx.database.db, { courseId: course.id, on: body.data.gradebookFeedback === 'on' });
    res.redirect(303, `${base(course.id)}?done=feedback-${body.data.gradebookFeedback}#reach-title`);
  }));

  router.post('/badges', ...multipartForm({ limitBytes: MAX_IMAGE_BYTES, nouns: { imageFile: 'image' } }), csrf.verify(), createBadgeHandler(ctx, (req, res, form) => renderInstructorPage(ctx, csrf, req, res, form)));

  badgeDetailRoutes(router, ctx, csrf);
  badgeEditRoutes(router, ctx, csrf);
  importRoutes(router, ctx, csrf);
  lmsGradeRoutes(router, ctx, csrf, express.urlencoded({ extended: false, limit: '4kb' }));
  return router;
}

const previewQuery = z.object({
  name: z.string().trim().min(1).max(200).catch('Badge'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/).optional().catch(undefined),
  shape: z.enum(['circle', 'hexagon', 'shield']).catch('circle'),
  initials: z.string().regex(/^[A-Za-z0-9]{1,3}$/).optional().catch(undefined),
});

async function renderInstructorPage(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, form: { values: BadgeFormValues; errors: FieldErrors; focus?: string }): Promise<void> {
  const course = await courseOf(ctx, req);
  const now = new Date();
  const [counts, assignments] = await Promise.all([courseBadgeCounts(ctx, { courseId: course.id, now }), listAssignments(ctx.database.db, course.id)]);
  const tierGroups = await listTierGroups(ctx.database.db, { courseId: course.id, achievements: counts.map((c) => c.achievement) });
  const names = Object.fromEntries([...assignments.map((a) => [a.id, a.name]), ...counts.map((c) => [c.achievement.id, c.achievement.name])]);
  const session = sessionOf(res);
  renderPage(res, 'ui-instructor', {
    title: form.errors && Object.keys(form.errors).length ? `Fix ${Object.keys(form.errors).length} problem(s): ${course.title} badges` : `${course.title}: badges`,
    embedded: true,
    course,
    tabs: courseNav(course.id, session.roles, 'instructor'),
    notice: noticeOf(req),
    csrf: csrf.tokenFor(session),
    action: `${base(course.id)}/badges`,
    importAction: `${base(course.id)}/imports`,
    previewUrl: `${base(course.id)}/preview.svg`,
    badges: badgeListView({ counts, groups: tierGroups, names, href: (id) => `${base(course.id)}/badges/${id}` }),
    hasAssignments: assignments.length > 0,
    form: badgeFormView({ ...form, assignments, badges: counts.map((c) => c.achievement) }),
    analytics: await instructorAnalytics(ctx, { courseId: course.id, now, badgeHref: (id) => `${base(course.id)}/badges/${id}` }),
    lmsSection: await lmsSectionView(ctx, course),
    reach: { gradebookFeedback: await gradebookFeedbackOn(ctx.database.db, course.id), action: `${base(course.id)}/reach` },
  });
}
