import type { Request, Response, Router } from 'express';
import type { AppContext } from '../context';
import { getAchievement, listAchievements, type AchievementRow } from '../badges';
import { listAssignments } from '../courses';
import { LaurelError } from '../errors';
import { MAX_IMAGE_BYTES } from '../images';
import { saveTieredBadge, tierGroupOf, updateAchievement, type TierGroup } from '../publishing';
import { referencedAssignmentIds, type RuleNode } from '../rules';
import { handle, renderPage } from '../http';
import { parseBadgeForm, tierBaseOf, valuesFromAchievement, valuesFromTierGroup, type BadgeFormValues, type FieldErrors } from './badge-form';
import { applyFormAction } from './badge-rule-form';
import { actorOf, sessionOf, type CsrfTokens } from '../http';
import { badgeFormView } from './form-view';
import { explainMissingUploads, multipartForm } from '../http';
import { base, courseNav, courseOf } from './page-data';

/**
 * Editing a badge: the same form as creation, filled in; a changed rule on a published badge is
 * versioned and backfilled. A tier of a tiered badge edits the whole ladder; adding tiers to a plain
 * badge makes it the lowest tier.
 */
export function badgeEditRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  router.get('/badges/:badgeId/edit', handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const [assignments, group] = await Promise.all([listAssignments(ctx.database.db, achievement.course_id), tierGroupOf(ctx.database.db, achievement)]);
    const { values, unsupported } = group ? valuesFromTierGroup(group, assignments) : valuesFromAchievement(achievement, assignments);
    await renderEdit(ctx, csrf, req, res, { achievement, group, values, errors: {}, unsupported });
  }));

  router.post('/badges/:badgeId/edit', ...multipartForm({ limitBytes: MAX_IMAGE_BYTES, nouns: { imageFile: 'image' } }), csrf.verify(), handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const values = req.body as BadgeFormValues;
    const group = await tierGroupOf(ctx.database.db, achievement);
    const action = applyFormAction(values);
    if (action) return renderEdit(ctx, csrf, req, res, { achievement, group, values: action.values, errors: {}, unsupported: false, ...(action.focus ? { focus: action.focus } : {}) });
    const [assignments, badges] = await Promise.all([listAssignments(ctx.database.db, achievement.course_id), listAchievements({ db: ctx.database.db }, { courseId: achievement.course_id })]);
    const files = (res.locals.files ?? {}) as Record<string, { bytes: Buffer }>;
    const members = group ? group.tiers.map((t) => t.achievement) : [achievement];
    // A badge cannot be earned from itself (nor a tier from its own ladder).
    const others = badges.filter((b) => !members.some((m) => m.id === b.id));
    // Assignments the current rule names that Laurel has not seen a grade for yet stay choosable.
    const keepAssignmentIds = members.flatMap((m) => (m.rule ? referencedAssignmentIds(m.rule as RuleNode) : []));
    const { draft, errors } = parseBadgeForm({ values, ...(files.imageFile ? { file: files.imageFile } : {}), assignments, badges: others, keepAssignmentIds });
    explainMissingUploads(errors, res);
    if (draft && group && !draft.tiers) errors.tiers = 'A tiered badge keeps 2 to 5 tiers: name them and give their thresholds.';
    if (!draft || errors.tiers) return renderEdit(ctx, csrf, req, res.status(422), { achievement, group, values, errors, unsupported: false });
    const here = (id: string) => `${base(achievement.course_id)}/badges/${id}`;
    if (draft.tiers) {
      const saved = await saveTieredBadge(ctx, {
        achievementId: achievement.id, name: draft.name, base: tierBaseOf(draft), actor: actorOf(res), now: new Date(),
        tiers: draft.tiers.map((t) => ({ name: t.name, rule: t.rule, ...(t.achievementId ? { achievementId: t.achievementId } : {}) })),
      });
      const stays = saved.tiers.some((t) => t.achievement.id === achievement.id) ? achievement.id : saved.tiers[0]!.achievement.id;
      return res.redirect(303, `${here(stays)}?done=saved`);
    }
    const { ruleChanged } = await updateAchievement(ctx, {
      achievementId: achievement.id,
      changes: { ...draft, validForDays: draft.validForDays ?? null, rule: draft.rule ?? null },
      actor: actorOf(res),
      now: new Date(),
    });
    res.redirect(303, `${here(achievement.id)}?done=${ruleChanged && achievement.status === 'published' ? 'rule-changed' : 'saved'}`);
  }));
}

async function achievementOf(ctx: AppContext, req: Request): Promise<AchievementRow> {
  const achievement = await getAchievement({ db: ctx.database.db }, String(req.params.badgeId));
  if (achievement.course_id !== String(req.params.courseId)) throw new LaurelError('ERR_NOT_FOUND', 'No badge of this course has this id.');
  return achievement;
}

async function renderEdit(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, props: { achievement: AchievementRow; group: TierGroup | undefined; values: BadgeFormValues; errors: FieldErrors; unsupported: boolean; focus?: string }): Promise<void> {
  const course = await courseOf(ctx, req);
  const [assignments, badges] = await Promise.all([listAssignments(ctx.database.db, course.id), listAchievements({ db: ctx.database.db }, { courseId: course.id })]);
  const session = sessionOf(res);
  const errorCount = Object.keys(props.errors).length;
  const here = `${base(course.id)}/badges/${props.achievement.id}`;
  const members = props.group ? props.group.tiers.map((t) => t.achievement.id) : [props.achievement.id];
  const name = props.group?.name ?? props.achievement.name;
  renderPage(res, 'ui-badge-edit', {
    title: `${errorCount ? `Fix ${errorCount} problem(s): ` : ''}Edit ${name}`,
    embedded: true,
    course,
    badge: { ...props.achievement, name },
    tiered: Boolean(props.group),
    tierCount: props.group?.tiers.length ?? 0,
    tabs: courseNav(course.id, session.roles, 'instructor'),
    csrf: csrf.tokenFor(session),
    back: here,
    action: `${here}/edit`,
    previewUrl: `${base(course.id)}/preview.svg`,
    currentImageUrl: props.achievement.image_url ?? `/achievements/${props.achievement.id}/image`,
    editing: true,
    unsupported: props.unsupported,
    hasAssignments: assignments.length > 0,
    form: badgeFormView({ values: props.values, errors: props.errors, assignments, badges: badges.filter((b) => !members.includes(b.id)), ...(props.focus ? { focus: props.focus } : {}) }),
  });
}
