import type { AppContext } from '../context';
import { badgesDepsFor, createAchievement, findAchievementInScope, getAchievement, type AchievementRow, type AlignmentValue, type CreateAchievementProps } from '../badges';
import { findCourseInScope, type TenantScope } from '../courses';
import { LaurelError } from '../errors';
import { backfillAchievementJob, type BackfillProgress } from '../events';
import type { RuleNode } from '../rules';
import { updateAchievement, type BadgeChanges } from './edit';
import { archiveAchievement, dryRunAchievement, publishAchievement, rerunBackfill, type DryRunResult } from './publish';
import { dryRunTierGroup, publishTierGroup, saveTieredBadge, tierGroupOf, type TierBadgeBase, type TierDryRun, type TierGroup, type TierInput } from './tiers';

/**
 * The publishing use-cases behind `/api/v1`, each bounded by the caller's tenant reach (an achievement
 * of a course outside it is absent: ERR_NOT_FOUND). They are the page's own use-cases: publishing
 * through the API bumps the rule version, audits and backfills exactly as the Publish button does.
 */

interface Acting {
  scope: TenantScope;
  actor: string;
  now: Date;
}

/**
 * Creates a badge; `published` (the default) publishes it at once through `publishAchievement`, so
 * the rule is applied to the scores Laurel already holds (backfill job) like a page publication.
 */
export async function createBadge(ctx: AppContext, props: Omit<CreateAchievementProps, 'status'> & Acting & { status: 'draft' | 'published' }): Promise<{ achievement: AchievementRow; backfillJobId: string | null }> {
  const { scope, now, status, ...create } = props;
  await findCourseInScope(ctx.database.db, { courseId: props.courseId, scope });
  const draft = await createAchievement(badgesDepsFor(ctx), { ...create, status: 'draft' });
  if (status === 'draft') return { achievement: draft, backfillJobId: null };
  const { backfillJobId } = await publishAchievement(ctx, { achievementId: draft.id, actor: props.actor, now });
  return { achievement: await getAchievement({ db: ctx.database.db }, draft.id), backfillJobId };
}

/** Fields a badge edit may change; absent ones keep their value, `rule: null` makes it manual-only. */
export interface BadgePatch {
  name?: string;
  description?: string;
  criteriaNarrative?: string;
  image?: string;
  colors?: { primary: string };
  alignments?: AlignmentValue[];
  validForDays?: number | null;
  rule?: RuleNode | null;
}

/** Edits a badge (a changed rule on a published badge is versioned and backfilled: `updateAchievement`). */
export async function editBadge(ctx: AppContext, props: Acting & { achievementId: string; patch: BadgePatch }): Promise<{ achievement: AchievementRow; ruleChanged: boolean }> {
  const current = await findAchievementInScope({ db: ctx.database.db }, { achievementId: props.achievementId, scope: props.scope });
  const { patch } = props;
  const changes: BadgeChanges = {
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    criteriaNarrative: patch.criteriaNarrative ?? current.criteria_narrative,
    ...(patch.image !== undefined ? { image: patch.image } : {}),
    ...(patch.colors ? { colors: patch.colors } : {}),
    alignments: patch.alignments ?? current.alignments,
    validForDays: patch.validForDays !== undefined ? patch.validForDays : current.valid_for_days,
    rule: patch.rule !== undefined ? patch.rule : ((current.rule as RuleNode | null) ?? null),
  };
  const { ruleChanged } = await updateAchievement(ctx, { achievementId: current.id, changes, actor: props.actor, now: props.now });
  return { achievement: await getAchievement({ db: ctx.database.db }, current.id), ruleChanged };
}

/** Publishes a draft or archived badge (version bump, audit, backfill job); ERR_CONFLICT when already published. */
export async function publishBadge(ctx: AppContext, props: Acting & { achievementId: string }): Promise<{ achievement: AchievementRow; backfillJobId: string | null }> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  const { backfillJobId } = await publishAchievement(ctx, { achievementId: current.id, actor: props.actor, now: props.now });
  return { achievement: await getAchievement({ db: ctx.database.db }, current.id), backfillJobId };
}

/** Archives a badge (its rule stops awarding; awards stay valid); ERR_CONFLICT when already archived. */
export async function archiveBadge(ctx: AppContext, props: Acting & { achievementId: string }): Promise<AchievementRow> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  await archiveAchievement(ctx, { achievementId: current.id, actor: props.actor, now: props.now });
  return getAchievement({ db: ctx.database.db }, current.id);
}

/** Who would earn the badge's rule now (nothing is written). */
export async function dryRunBadge(ctx: AppContext, props: { achievementId: string; scope: TenantScope; now: Date }): Promise<DryRunResult> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  return dryRunAchievement(ctx, { achievementId: current.id, now: props.now });
}

/** Starts a backfill of a published badge (audited); its job id reads the progress. */
export async function startBackfill(ctx: AppContext, props: Acting & { achievementId: string }): Promise<string> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  return rerunBackfill(ctx, { achievementId: current.id, actor: props.actor, now: props.now });
}

export interface BackfillStatus {
  jobId: string;
  achievementId: string;
  state: string;
  progress: BackfillProgress | null;
  result: { evaluated: number; earned: number; awarded: number } | null;
  error: string | null;
}

/** The state and progress of one backfill of this badge (publication, rule change or re-run). */
export async function backfillStatus(ctx: AppContext, props: { achievementId: string; jobId: string; scope: TenantScope }): Promise<BackfillStatus> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  const job = props.jobId.startsWith(`backfill-${current.id}-`) ? await ctx.queues.get(backfillAchievementJob.queue).getJob(props.jobId) : undefined;
  if (!job || job.name !== backfillAchievementJob.name || (job.data as { achievementId?: string }).achievementId !== current.id) {
    throw new LaurelError('ERR_NOT_FOUND', 'No backfill of this badge has this id.');
  }
  const progress = typeof job.progress === 'object' && job.progress !== null ? (job.progress as BackfillProgress) : null;
  return { jobId: String(job.id), achievementId: current.id, state: await job.getState(), progress, result: (job.returnvalue as BackfillStatus['result']) ?? null, error: job.failedReason ?? null };
}

/** The tier ladder a badge belongs to, if any. */
export async function badgeTiers(ctx: AppContext, props: { achievementId: string; scope: TenantScope }): Promise<TierGroup> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  const group = await tierGroupOf(ctx.database.db, current);
  if (!group) throw new LaurelError('ERR_NOT_FOUND', 'This badge has no tiers.');
  return group;
}

/**
 * Sets a badge's tiers: a plain badge becomes the lowest tier of a new ladder; an existing ladder is
 * saved (`saveTieredBadge`). What the tiers share defaults to the badge's current description,
 * criteria, alignment and validity.
 */
export async function saveBadgeTiers(ctx: AppContext, props: Acting & { achievementId: string; name: string; base: Partial<TierBadgeBase>; tiers: readonly TierInput[] }): Promise<TierGroup> {
  const current = await findAchievementInScope({ db: ctx.database.db }, props);
  const base: TierBadgeBase = {
    description: props.base.description ?? current.description,
    criteriaNarrative: props.base.criteriaNarrative ?? current.criteria_narrative,
    alignments: props.base.alignments ?? current.alignments,
    validForDays: props.base.validForDays !== undefined ? props.base.validForDays : current.valid_for_days,
    ...(props.base.image ? { image: props.base.image } : {}),
    ...(props.base.colors ? { colors: props.base.colors } : {}),
  };
  return saveTieredBadge(ctx, { achievementId: current.id, name: props.name, base, tiers: props.tiers, actor: props.actor, now: props.now });
}

/** Publishes every draft tier of the badge's ladder. */
export async function publishBadgeTiers(ctx: AppContext, props: Acting & { achievementId: string }): Promise<TierGroup> {
  const group = await badgeTiers(ctx, props);
  await publishTierGroup(ctx, { group, actor: props.actor, now: props.now });
  return (await tierGroupOf(ctx.database.db, group.tiers[0]!.achievement))!;
}

/** Who would earn each tier of the badge's ladder now. */
export async function dryRunBadgeTiers(ctx: AppContext, props: { achievementId: string; scope: TenantScope; now: Date }): Promise<TierDryRun[]> {
  const group = await badgeTiers(ctx, props);
  return dryRunTierGroup(ctx, { group, now: props.now });
}
