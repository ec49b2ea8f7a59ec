import type { Request, RequestHandler, Response } from 'express';
import type { AppContext } from '../context';
import { badgesDepsFor, createAchievement, listAchievements } from '../badges';
import { listAssignments } from '../courses';
import { createTieredBadge } from '../publishing';
import { handle } from '../http';
import { parseBadgeForm, tierBaseOf, type BadgeFormValues, type FieldErrors } from './badge-form';
import { applyFormAction } from './badge-rule-form';
import { actorOf } from '../http';
import { explainMissingUploads } from '../http';
import { base, courseOf } from './page-data';

/** Re-renders the page holding the badge form (422 when `errors` is not empty). */
export type RenderBadgeForm = (req: Request, res: Response, form: { values: BadgeFormValues; errors: FieldErrors; focus?: string }) => Promise<void>;

/**
 * POST of the "Create badge" form: an "Add condition" / "Remove" button answers the same form with a
 * row more or less (no JavaScript needed); a save creates a draft badge, or one draft per tier.
 */
export function createBadgeHandler(ctx: AppContext, render: RenderBadgeForm): RequestHandler {
  return handle(async (req, res) => {
    const course = await courseOf(ctx, req);
    const values = req.body as BadgeFormValues;
    const action = applyFormAction(values);
    if (action) return render(req, res, { values: action.values, errors: {}, ...(action.focus ? { focus: action.focus } : {}) });
    const [assignments, badges] = await Promise.all([listAssignments(ctx.database.db, course.id), listAchievements({ db: ctx.database.db }, { courseId: course.id })]);
    const files = (res.locals.files ?? {}) as Record<string, { bytes: Buffer }>;
    const { draft, errors } = parseBadgeForm({ values, ...(files.imageFile ? { file: files.imageFile } : {}), assignments, badges });
    explainMissingUploads(errors, res);
    if (!draft) return render(req, res.status(422), { values, errors });
    if (draft.tiers) {
      const group = await createTieredBadge(ctx, { courseId: course.id, name: draft.name, base: tierBaseOf(draft), tiers: draft.tiers.map((t) => ({ name: t.name, rule: t.rule })), actor: actorOf(res) });
      return res.redirect(303, `${base(course.id)}/badges/${group.tiers[0]!.achievement.id}?done=created`);
    }
    const row = await createAchievement(badgesDepsFor(ctx), { ...draft, courseId: course.id, status: 'draft', actor: actorOf(res) });
    res.redirect(303, `${base(course.id)}/badges/${row.id}?done=created`);
  });
}
