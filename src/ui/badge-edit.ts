import type { Request, Response, Router } from 'express';
import type { AppContext } from '../context';
import { getAchievement, listAchievements, type AchievementRow } from '../badges';
import { listAssignments } from '../courses';
import { LaurelError } from '../errors';
import { MAX_BADGE_IMAGE_BYTES, updateAchievement } from '../publishing';
import { handle, renderPage } from '../web';
import { parseBadgeForm, valuesFromAchievement, type BadgeFormValues, type FieldErrors } from './badge-form';
import { actorOf, sessionOf, type CsrfTokens } from './csrf';
import { badgeFormView } from './form-view';
import { explainMissingUploads, multipartForm } from './multipart';
import { base, courseNav, courseOf } from './page-data';

/** Editing a badge: the same form as creation, filled in; a changed rule on a published badge is versioned and backfilled. */
export function badgeEditRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  router.get('/badges/:badgeId/edit', handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const assignments = await listAssignments(ctx.database.db, achievement.course_id);
    const { values, unsupported } = valuesFromAchievement(achievement, assignments);
    await renderEdit(ctx, csrf, req, res, { achievement, values, errors: {}, unsupported });
  }));

  router.post('/badges/:badgeId/edit', ...multipartForm({ limitBytes: MAX_BADGE_IMAGE_BYTES, nouns: { imageFile: 'image' } }), csrf.verify(), handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const [assignments, badges] = await Promise.all([listAssignments(ctx.database.db, achievement.course_id), listAchievements({ db: ctx.database.db }, { courseId: achievement.course_id })]);
    const values = req.body as BadgeFormValues;
    const files = res.locals.files as Record<string, { bytes: Buffer }>;
    // A badge cannot be earned from itself.
    const others = badges.filter((b) => b.id !== achievement.id);
    const { draft, errors } = parseBadgeForm({ values, ...(files.imageFile ? { file: files.imageFile } : {}), assignments, badges: others });
    explainMissingUploads(errors, res);
    if (!draft) return renderEdit(ctx, csrf, req, res.status(422), { achievement, values, errors, unsupported: false });
    const { ruleChanged } = await updateAchievement(ctx, {
      achievementId: achievement.id,
      changes: { ...draft, validForDays: draft.validForDays ?? null, rule: draft.rule ?? null },
      actor: actorOf(res),
      now: new Date(),
    });
    res.redirect(303, `${base(achievement.course_id)}/badges/${achievement.id}?done=${ruleChanged && achievement.status === 'published' ? 'rule-changed' : 'saved'}`);
  }));
}

async function achievementOf(ctx: AppContext, req: Request): Promise<AchievementRow> {
  const achievement = await getAchievement({ db: ctx.database.db }, String(req.params.badgeId));
  if (achievement.course_id !== String(req.params.courseId)) throw new LaurelError('ERR_NOT_FOUND', 'No badge of this course has this id.');
  return achievement;
}

async function renderEdit(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, props: { achievement: AchievementRow; values: BadgeFormValues; errors: FieldErrors; unsupported: boolean }): Promise<void> {
  const course = await courseOf(ctx, req);
  const [assignments, badges] = await Promise.all([listAssignments(ctx.database.db, course.id), listAchievements({ db: ctx.database.db }, { courseId: course.id })]);
  const session = sessionOf(res);
  const errorCount = Object.keys(props.errors).length;
  const here = `${base(course.id)}/badges/${props.achievement.id}`;
  renderPage(res, 'ui-badge-edit', {
    title: `${errorCount ? `Fix ${errorCount} problem(s): ` : ''}Edit ${props.achievement.name}`,
    embedded: true,
    course,
    badge: props.achievement,
    tabs: courseNav(course.id, session.roles, 'instructor'),
    csrf: csrf.tokenFor(session),
    back: here,
    action: `${here}/edit`,
    previewUrl: `${base(course.id)}/preview.svg`,
    currentImageUrl: props.achievement.image_url ?? `/achievements/${props.achievement.id}/image`,
    editing: true,
    unsupported: props.unsupported,
    hasAssignments: assignments.length > 0,
    form: badgeFormView({ values: props.values, errors: props.errors, assignments, badges: badges.filter((b) => b.id !== props.achievement.id) }),
  });
}
