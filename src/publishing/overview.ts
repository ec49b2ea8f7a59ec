import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { effectiveStatus, listAchievements, type AchievementRow, type AwardStatus } from '../badges';
import { listAssignments } from '../courses';
import { loadCourseFacts, loadFacts } from '../events';
import { evaluate, parseRule, type Evaluation, type ProgressItem } from '../rules';
import type { PublishingDb } from './tables';
import { listTierGroups } from './tiers';
import { asTables } from '../db';

/** Read models for the course pages: counts per badge, and one learner's earned badges and progress. */

const on = <T>(db: Kysely<T>) => asTables<PublishingDb>(db);

export interface BadgeCounts {
  achievement: AchievementRow;
  /** Active awards (issued and not expired). */
  earned: number;
  /** Learners without the badge who have met part of its rule or have a graded attempt towards it. */
  inProgress: number;
  revoked: number;
}

/** Display names for progress texts: assignments (by every id a rule may use) and the course's badges. */
async function namesOf<T>(db: Kysely<T>, courseId: string, achievements: readonly AchievementRow[]): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const a of await listAssignments(db, courseId)) {
    names[a.id] = a.name;
    names[a.source_key] = a.name;
  }
  for (const a of achievements) names[a.id] = a.name;
  return names;
}

function ruleOf(a: AchievementRow) {
  return a.rule === null ? undefined : parseRule(a.rule, { id: a.id, version: a.rule_version });
}

function started(evaluation: Evaluation): boolean {
  return evaluation.progress.some((p) => p.status === 'met' || (p.status === 'unmet' && (p.current ?? 0) > 0));
}

export async function courseBadgeCounts(ctx: AppContext, props: { courseId: string; now: Date }): Promise<BadgeCounts[]> {
  const db = ctx.database.db;
  const achievements = await listAchievements({ db }, { courseId: props.courseId });
  const awards = await on(db).selectFrom('awards').select(['achievement_id', 'learner_id', 'status', 'expires_at']).where('course_id', '=', props.courseId).execute();
  const learners = achievements.some((a) => a.rule !== null) ? await loadCourseFacts(db, { courseId: props.courseId }) : [];
  return achievements.map((achievement) => {
    const mine = awards.filter((w) => w.achievement_id === achievement.id);
    const holders = new Set(mine.filter((w) => w.status !== 'revoked').map((w) => w.learner_id));
    const rule = ruleOf(achievement);
    const inProgress = rule
      ? learners.filter((l) => !holders.has(l.learnerId) && started(evaluate(rule, { now: props.now, scores: l.scores, badges: l.badges }))).length
      : 0;
    return {
      achievement,
      earned: mine.filter((w) => effectiveStatus(w, props.now) === 'issued').length,
      inProgress,
      revoked: mine.filter((w) => w.status === 'revoked').length,
    };
  });
}

export interface EarnedBadge {
  awardId: string;
  achievement: AchievementRow;
  status: AwardStatus;
  awardedAt: Date;
  score: number | null;
  credentialId: string | null;
  visibility: 'public' | 'private';
  revokedAt: Date | null;
  revokedReason: string | null;
}

export interface PendingBadge {
  achievement: AchievementRow;
  progress: ProgressItem[];
  reason: string;
  /** For a tier: its ladder, and the highest tier the learner already holds. Only the next tier of a ladder is pending. */
  tier?: { groupName: string; tierName: string; heldTierName?: string };
}

/** What one learner holds in a course (newest first, revoked ones included) and what they are working towards. */
export async function learnerBadges(ctx: AppContext, props: { courseId: string; learnerId: string; now: Date }): Promise<{ earned: EarnedBadge[]; pending: PendingBadge[] }> {
  const db = ctx.database.db;
  const achievements = (await listAchievements({ db }, { courseId: props.courseId })).filter((a) => a.status === 'published');
  const rows = await on(db).selectFrom('awards').selectAll().where('course_id', '=', props.courseId).where('learner_id', '=', props.learnerId).orderBy('awarded_at', 'desc').execute();
  const byId = new Map(achievements.map((a) => [a.id, a]));
  const earned: EarnedBadge[] = rows.flatMap((r) => {
    const achievement = byId.get(r.achievement_id);
    if (!achievement) return [];
    return [{
      awardId: r.id, achievement, status: effectiveStatus(r, props.now), awardedAt: r.awarded_at,
      score: r.score === null ? null : Number(r.score), credentialId: r.credential_id, visibility: r.visibility,
      revokedAt: r.revoked_at, revokedReason: r.revoked_reason,
    }];
  });
  const held = new Set(earned.filter((e) => e.status === 'issued').map((e) => e.achievement.id));
  const withRule = achievements.filter((a) => a.rule !== null && !held.has(a.id) && !earned.some((e) => e.achievement.id === a.id && e.status === 'revoked'));
  if (withRule.length === 0) return { earned, pending: [] };
  const facts = await loadFacts(db, props);
  const names = await namesOf(db, props.courseId, achievements);
  const groups = await listTierGroups(db, { courseId: props.courseId, achievements });
  const pending: PendingBadge[] = [];
  for (const achievement of withRule) {
    const group = groups.find((g) => g.tiers.some((t) => t.achievement.id === achievement.id));
    const evaluation = evaluate(ruleOf(achievement)!, { ...facts, names });
    if (!group) {
      pending.push({ achievement, progress: evaluation.progress, reason: evaluation.reason });
      continue;
    }
    // A ladder shows only its next tier: "Quiz 2: 72% of the 80% required for Silver".
    const next = group.tiers.find((t) => !held.has(t.achievement.id) && withRule.includes(t.achievement));
    if (next?.achievement.id !== achievement.id) continue;
    const heldTier = [...group.tiers].reverse().find((t) => held.has(t.achievement.id));
    pending.push({
      achievement,
      progress: evaluation.progress.map((p) => (p.kind === 'score' ? { ...p, message: `${p.message} for ${next.tierName}` } : p)),
      reason: evaluation.reason,
      tier: { groupName: group.name, tierName: next.tierName, ...(heldTier ? { heldTierName: heldTier.tierName } : {}) },
    });
  }
  return { earned, pending };
}
