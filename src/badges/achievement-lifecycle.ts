import type { AnyDb } from '../db';
import { LaurelError } from '../errors';
import type { BadgeImageType } from '../images';
import type { RuleNode } from '../rules';
import { badgesDb } from './deps';
import type { AchievementStatus, AlignmentValue } from './tables';

/**
 * The writes behind publishing's use-cases (edit, publish, archive, tiers, a learner's visibility
 * choice), owned here because they change badges' tables. Each takes the executor publishing passes:
 * its transaction, so the change commits (or not) with publishing's audit entry and tier rows.
 */

/** The achievement's current state, locked (FOR UPDATE) until the caller's transaction ends. */
export interface LockedAchievement {
  id: string;
  course_id: string;
  name: string;
  status: AchievementStatus;
  rule: unknown;
  rule_version: number;
}

/** Locks the achievement for a status or content change in the caller's transaction; ERR_NOT_FOUND when absent. */
export async function lockAchievement(trx: AnyDb, achievementId: string): Promise<LockedAchievement> {
  const row = await badgesDb(trx)
    .selectFrom('achievements')
    .select(['id', 'course_id', 'name', 'status', 'rule', 'rule_version'])
    .where('id', '=', achievementId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.');
  return row;
}

/** Publishes: status `published` and the next rule version (what the backfill job and credentials name). */
export async function markAchievementPublished(trx: AnyDb, props: { achievementId: string; now: Date }) {
  return badgesDb(trx)
    .updateTable('achievements')
    .set((eb) => ({ status: 'published', rule_version: eb('rule_version', '+', 1), updated_at: props.now }))
    .where('id', '=', props.achievementId)
    .returning(['id', 'course_id', 'rule_version', 'rule', 'name'])
    .executeTakeFirstOrThrow();
}

/** Archives: its rule stops awarding; awards and credentials stay valid. */
export async function markAchievementArchived(trx: AnyDb, props: { achievementId: string; now: Date }): Promise<void> {
  await badgesDb(trx).updateTable('achievements').set({ status: 'archived', updated_at: props.now }).where('id', '=', props.achievementId).execute();
}

/** Deletes achievements that are still drafts (nobody has earned them); published ones are left alone. */
export async function deleteDraftAchievements(db: AnyDb, achievementIds: readonly string[]): Promise<void> {
  if (achievementIds.length === 0) return;
  await badgesDb(db).deleteFrom('achievements').where('id', 'in', [...achievementIds]).where('status', '=', 'draft').execute();
}

/** An edit of an achievement's content; absent image and colour keep the stored ones. */
export interface AchievementContent {
  name: string;
  description: string;
  criteriaNarrative: string;
  alignments: AlignmentValue[];
  validForDays: number | null;
  /** The new rule (already parsed); null = awarded by hand only. */
  rule: RuleNode | null;
  primaryColor?: string;
  /** A checked, sanitised upload: replaces the stored image (and any image URL). */
  image?: { bytes: Buffer; mime: BadgeImageType };
  /** A rule change on a published badge: the next rule version. */
  bumpRuleVersion: boolean;
}

/** Writes an edit of the achievement's content; returns its version, status and course afterwards. */
export async function updateAchievementContent(trx: AnyDb, props: { achievementId: string; content: AchievementContent; now: Date }) {
  const { content: c } = props;
  return badgesDb(trx)
    .updateTable('achievements')
    .set((eb) => ({
      name: c.name,
      description: c.description,
      criteria_narrative: c.criteriaNarrative,
      alignments: JSON.stringify(c.alignments),
      valid_for_days: c.validForDays,
      rule: c.rule === null ? null : JSON.stringify(c.rule),
      // The threshold a single score rule sets, shown as the achievement's ResultDescription.
      required_percent: c.rule?.kind === 'score' ? (c.rule.minPercent ?? null) : null,
      ...(c.primaryColor !== undefined ? { primary_color: c.primaryColor } : {}),
      ...(c.image ? { image_bytes: c.image.bytes, image_mime: c.image.mime, image_url: null } : {}),
      ...(c.bumpRuleVersion ? { rule_version: eb('rule_version', '+', 1) } : {}),
      updated_at: props.now,
    }))
    .where('id', '=', props.achievementId)
    .returning(['id', 'rule_version', 'status', 'course_id'])
    .executeTakeFirstOrThrow();
}

/**
 * A learner makes one of their own awards public or private: the learner id is part of the WHERE
 * clause, so nobody flips someone else's badge. Undefined when no award of this learner has the id.
 */
export async function setOwnAwardVisibility(trx: AnyDb, props: { awardId: string; learnerId: string; visibility: 'public' | 'private'; now: Date }): Promise<{ id: string; course_id: string } | undefined> {
  return badgesDb(trx)
    .updateTable('awards')
    .set({ visibility: props.visibility, updated_at: props.now })
    .where('id', '=', props.awardId)
    .where('learner_id', '=', props.learnerId)
    .returning(['id', 'course_id'])
    .executeTakeFirst();
}
