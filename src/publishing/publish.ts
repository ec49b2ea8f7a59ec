import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { awardBadge, getAchievement, issueCredentialJob, lockAchievement, markAchievementArchived, markAchievementPublished, setOwnAwardVisibility, type AwardRow } from '../badges';
import { badgesDepsFor } from '../badges';
import { LaurelError } from '../errors';
import { backfillAchievementJob, dryRunRule, type DryRunRow } from '../events';
import type { RuleNode } from '../rules';
import type { PublishingDb } from './tables';
import { asTables } from '../db';

/**
 * Rule publishing: an instructor builds a badge as a draft, looks at the dry run (who would earn it
 * now, from the scores Laurel already holds), then publishes it. Publishing bumps the rule version,
 * writes the audit log in the same transaction and hands the backfill (awarding everyone who already
 * qualifies) to the queue, so the request returns at once whatever the course size.
 */

const on = <T>(db: Kysely<T>) => asTables<PublishingDb>(db);

export interface DryRunResult {
  wouldEarn: number;
  learners: DryRunRow[];
}

/** Who would earn the achievement's rule now; nothing is written. */
export async function dryRunAchievement(ctx: AppContext, props: { achievementId: string; now: Date }): Promise<DryRunResult> {
  const achievement = await getAchievement({ db: ctx.database.db }, props.achievementId);
  if (achievement.rule === null) return { wouldEarn: 0, learners: [] };
  return dryRunRule(ctx.database.db, { courseId: achievement.course_id, condition: achievement.rule as RuleNode, now: props.now, ruleId: achievement.id });
}

export interface PublishProps {
  achievementId: string;
  /** Who publishes (`lti:<learner id>` of the instructor). */
  actor: string;
  now: Date;
}

/** Publishes a draft (or re-publishes an archived badge): version bump, audit, backfill job. */
export async function publishAchievement(ctx: AppContext, props: PublishProps): Promise<{ version: number; backfillJobId: string | null }> {
  const db = on(ctx.database.db);
  const row = await db.transaction().execute(async (trx) => {
    const current = await lockAchievement(trx, props.achievementId);
    if (current.status === 'published') throw new LaurelError('ERR_CONFLICT', 'This badge is already published.');
    const updated = await markAchievementPublished(trx, { achievementId: current.id, now: props.now });
    await audit<PublishingDb>(trx, { actor: props.actor, action: 'rule.published', subjectType: 'achievement', subjectId: updated.id, courseId: updated.course_id, details: { name: updated.name, version: updated.rule_version, rule: updated.rule } });
    return updated;
  });
  const backfillJobId = row.rule === null ? null : await enqueueBackfill(ctx, { achievementId: row.id, version: row.rule_version });
  return { version: row.rule_version, backfillJobId };
}

/**
 * Archives a badge: its rule stops awarding and it leaves the course's lists, while every award and
 * credential already issued stays valid (revoking stays an explicit act). Publishing it again brings
 * it back with a new rule version and a backfill.
 */
export async function archiveAchievement(ctx: AppContext, props: PublishProps): Promise<{ status: 'archived' }> {
  await on(ctx.database.db).transaction().execute(async (trx) => {
    const current = await lockAchievement(trx, props.achievementId);
    if (current.status === 'archived') throw new LaurelError('ERR_CONFLICT', 'This badge is already archived.');
    await markAchievementArchived(trx, { achievementId: current.id, now: props.now });
    await audit<PublishingDb>(trx, { actor: props.actor, action: 'achievement.archived', subjectType: 'achievement', subjectId: current.id, courseId: current.course_id, details: { name: current.name, was: current.status } });
  });
  return { status: 'archived' };
}

/** Runs the backfill again (after a roster sync or a CSV import, say); audited. */
export async function rerunBackfill(ctx: AppContext, props: PublishProps): Promise<string> {
  const achievement = await getAchievement({ db: ctx.database.db }, props.achievementId);
  if (achievement.status !== 'published') throw new LaurelError('ERR_ACHIEVEMENT_NOT_PUBLISHED');
  if (achievement.rule === null) throw new LaurelError('ERR_CONFLICT', 'This badge has no rule to apply.');
  await audit(ctx.database.db, { actor: props.actor, action: 'rule.backfill', subjectType: 'achievement', subjectId: achievement.id, courseId: achievement.course_id, details: { version: achievement.rule_version } });
  // A fresh job id per request: BullMQ would otherwise ignore a repeat of a completed job id.
  return enqueueBackfill(ctx, { achievementId: achievement.id, version: achievement.rule_version, suffix: String(props.now.getTime()) });
}

async function enqueueBackfill(ctx: AppContext, props: { achievementId: string; version: number; suffix?: string }): Promise<string> {
  const jobId = `backfill-${props.achievementId}-v${props.version}${props.suffix ? `-${props.suffix}` : ''}`;
  return ctx.queues.enqueue(backfillAchievementJob, { achievementId: props.achievementId }, { jobId });
}

/** An instructor awards a badge to a learner of the roster; signing goes to the issue queue. */
export async function awardToRosterLearner(ctx: AppContext, props: { achievementId: string; learnerId: string; actor: string }): Promise<{ award: AwardRow; created: boolean }> {
  const db = on(ctx.database.db);
  const achievement = await getAchievement({ db: ctx.database.db }, props.achievementId);
  // Only people enrolled in the badge's own course: an instructor cannot reach learners elsewhere.
  const enrolled = await db.selectFrom('enrollments').select('learner_id').where('course_id', '=', achievement.course_id).where('learner_id', '=', props.learnerId).executeTakeFirst();
  if (!enrolled) throw new LaurelError('ERR_VALIDATION', 'Choose a learner from this course.', { issues: [{ field: 'learnerId', message: 'not a learner of this course' }] });
  const result = await awardBadge(badgesDepsFor(ctx), { achievementId: achievement.id, learnerId: props.learnerId, evidence: [{ name: 'Awarded by the instructor' }], actor: props.actor, source: 'manual' });
  if (!result.award.credential_id && result.award.status === 'issued') await ctx.queues.enqueue(issueCredentialJob, { awardId: result.award.id }, { jobId: result.award.id });
  return result;
}

/**
 * A learner makes one of their own awards public or private. The learner id comes from the LTI
 * session and is part of the WHERE clause, so nobody can flip someone else's badge.
 */
export async function setAwardVisibility<T>(dbAny: Kysely<T>, props: { awardId: string; learnerId: string; visibility: 'public' | 'private'; actor: string }): Promise<void> {
  const db = on(dbAny);
  await db.transaction().execute(async (trx) => {
    const updated = await setOwnAwardVisibility(trx, { awardId: props.awardId, learnerId: props.learnerId, visibility: props.visibility, now: new Date() });
    if (!updated) throw new LaurelError('ERR_NOT_FOUND', 'No award of yours has this id.');
    await audit<PublishingDb>(trx, { actor: props.actor, action: 'award.visibility', subjectType: 'award', subjectId: updated.id, courseId: updated.course_id, details: { visibility: props.visibility } });
  });
}
