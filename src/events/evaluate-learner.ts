import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { awardBadge, listAchievements, type AchievementRow } from '../badges';
import { badgesDepsFor } from '../badges/context';
import { issueCredentialJob } from '../badges/jobs/issue-credential';
import { evaluateAll, parseRule, type Evaluation, type Facts, type HeldBadge, type Rule, type ScoreFact } from '../rules';
import type { EventsDb } from './tables';

/**
 * Evaluates every published rule of a course for one learner and awards what is earned. Awards are
 * exactly-once by the badges module's database constraint, so running this twice is harmless.
 */

export interface AwardRequest {
  achievementId: string;
  learnerId: string;
  score: number | null;
  reason: string;
}

/** How an earned rule becomes an award; the default uses the badges module and the issue queue. */
export type Awarder = (request: AwardRequest) => Promise<{ created: boolean }>;

export interface EvaluateLearnerResult {
  awarded: string[];
  evaluations: Map<string, Evaluation>;
}

export async function evaluateLearner(
  ctx: AppContext,
  props: { courseId: string; learnerId: string; now: Date; awarder?: Awarder },
): Promise<EvaluateLearnerResult> {
  const db = ctx.database.db;
  const achievements = (await listAchievements({ db }, { courseId: props.courseId })).filter((a) => a.status === 'published' && a.rule !== null);
  if (achievements.length === 0) return { awarded: [], evaluations: new Map() };
  const entries = achievements.map((a) => ({ achievementId: a.id, rule: ruleOf(a) }));
  const facts = await loadFacts(db, props);
  const evaluations = evaluateAll(entries, facts);
  const held = new Set(facts.badges.map((b) => b.achievementId));
  const awarder = props.awarder ?? defaultAwarder(ctx);
  const awarded: string[] = [];
  for (const achievement of achievements) {
    const evaluation = evaluations.get(achievement.id);
    if (!evaluation?.award || held.has(achievement.id)) continue;
    const { created } = await awarder({ achievementId: achievement.id, learnerId: props.learnerId, score: scoreOf(evaluation), reason: evaluation.reason });
    if (created) awarded.push(achievement.id);
  }
  return { awarded, evaluations };
}

function ruleOf(a: AchievementRow): Rule {
  return parseRule(a.rule, { id: a.id, version: a.rule_version });
}

/** The percentage to record on the award: the learner's result when one score rule decided. */
function scoreOf(evaluation: Evaluation): number | null {
  const scores = evaluation.progress.filter((p) => p.kind === 'score' && p.unit === 'percent' && p.status === 'met');
  return scores.length === 1 ? scores[0]!.current : null;
}

/** The learner's latest scores (with the ids rules may use for each assignment) and active awards. */
export async function loadFacts<T>(dbAny: Kysely<T>, props: { courseId: string; learnerId: string; now: Date }): Promise<Facts> {
  const db = dbAny as unknown as Kysely<EventsDb & AwardsView>;
  const rows = await db
    .selectFrom('learner_scores')
    .innerJoin('assignments', 'assignments.id', 'learner_scores.assignment_id')
    .select(['assignments.id', 'assignments.source_key', 'assignments.name', 'learner_scores.score_given', 'learner_scores.score_maximum', 'learner_scores.excused', 'learner_scores.missing', 'learner_scores.occurred_at'])
    .where('learner_scores.course_id', '=', props.courseId)
    .where('learner_scores.learner_id', '=', props.learnerId)
    .execute();
  const scores: ScoreFact[] = rows.map((r) => ({
    assignmentId: r.id,
    aliases: aliasesOf(r.source_key),
    assignmentName: r.name,
    scoreGiven: r.score_given === null ? null : Number(r.score_given),
    scoreMaximum: r.score_maximum === null ? null : Number(r.score_maximum),
    excused: r.excused,
    missing: r.missing,
    occurredAt: r.occurred_at,
  }));
  const awards = await db
    .selectFrom('awards')
    .select(['achievement_id', 'expires_at'])
    .where('learner_id', '=', props.learnerId)
    .where('status', '<>', 'revoked')
    .execute();
  const badges: HeldBadge[] = awards.map((a) => ({ achievementId: a.achievement_id, validUntil: a.expires_at }));
  return { now: props.now, scores, badges };
}

/** `api:A1` is matched by rules written as "A1", `canvas:123` by "123", and both by the full key. */
export function aliasesOf(sourceKey: string): string[] {
  const bare = sourceKey.replace(/^(api|canvas|moodle:item|lti):/, '');
  return bare === sourceKey ? [sourceKey] : [sourceKey, bare];
}

/** The part of the badges module's awards table this module reads (active awards of a learner). */
interface AwardsView {
  awards: { achievement_id: string; learner_id: string; status: string; expires_at: Date | null };
}

export function defaultAwarder(ctx: AppContext): Awarder {
  return async (request) => {
    const deps = badgesDepsFor(ctx);
    const { award, created } = await awardBadge(deps, {
      achievementId: request.achievementId,
      learnerId: request.learnerId,
      score: request.score,
      evidence: [{ name: 'Rule evaluation', narrative: request.reason }],
      actor: 'rules',
      source: 'rule',
    });
    if (!award.credential_id && award.status === 'issued') {
      await ctx.queues.enqueue(issueCredentialJob, { awardId: award.id }, { jobId: award.id });
    }
    return { created };
  };
}
