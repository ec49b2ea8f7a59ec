import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../context';
import { activeAwardsOf, awardBadge, awardBadges, badgesDepsFor, issueAwardCredential, issueCredentialJob, listAchievements, type AchievementRow } from '../badges';
import { evaluateAll, parseRule, type Evaluation, type Facts, type HeldBadge, type Rule, type ScoreFact } from '../rules';
import { canvasIdCandidates } from './mapping';
import type { EventsDb } from './tables';
import { asTables } from '../db';

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

/**
 * Where a new award's credential is made. `queue` (default): an issue job per award, for callers
 * outside the worker (a launch). `inline`: a worker signs and stores it in the same run, right after
 * the award commits, sparing a queue hop on the grade-to-badge path; what fails there goes to the
 * issue job and its retries. Either way the award is committed first, so a crash before the
 * credential is stored leaves an unsigned award: the job's retry (below) or the badges
 * maintenance sweep issues it.
 */
export type IssueMode = 'queue' | 'inline';

/**
 * An award still unsigned this long after it was made is issued by the next evaluation of its
 * learner (a worker died while issuing it inline and the evaluate job is retried). Younger ones are
 * left to whoever is issuing them: a second signer would only waste a signature.
 */
export const UNSIGNED_AWARD_RETRY_MS = 10_000;

/**
 * `reannounce` (a retried evaluate job, with `inline`): the learners' signed awards of the course's
 * rules are announced again. Why: a run that stored a credential inline and then lost Redis failed
 * before its announcement, and its retry finds the award held and signed; the announcements' job ids
 * and the reactions (email recorded as sent, gradebook from state) make a repeat harmless.
 */
export async function evaluateLearner(
  ctx: AppContext,
  props: { courseId: string; learnerId: string; now: Date; awarder?: Awarder; issue?: IssueMode; reannounce?: boolean },
): Promise<EvaluateLearnerResult> {
  const results = await evaluateLearners(ctx, { ...props, learnerIds: [props.learnerId] });
  return results.get(props.learnerId) ?? { awarded: [], evaluations: new Map() };
}

/**
 * The same for several learners of one course: the course's rules and the learners' facts are read
 * once for all of them (three statements), then each learner is evaluated and awarded in turn.
 */
export async function evaluateLearners(
  ctx: AppContext,
  props: { courseId: string; learnerIds: readonly string[]; now: Date; awarder?: Awarder; issue?: IssueMode; reannounce?: boolean },
): Promise<Map<string, EvaluateLearnerResult>> {
  const db = ctx.database.db;
  const results = new Map<string, EvaluateLearnerResult>();
  const achievements = (await listAchievements({ db }, { courseId: props.courseId })).filter((a) => a.status === 'published' && a.rule !== null);
  if (achievements.length === 0 || props.learnerIds.length === 0) return results;
  const entries = achievements.map((a) => ({ achievementId: a.id, rule: ruleOf(a) }));
  const { facts: factsByLearner, held } = await readFacts(db, props);
  const issue = props.issue ?? 'queue';
  // Awards of these rules left unsigned by a crashed run (see UNSIGNED_AWARD_RETRY_MS).
  const ruled = new Set(achievements.map((a) => a.id));
  const stale = issue === 'inline' && !props.awarder
    ? held.filter((u) => ruled.has(u.achievementId) && ((u.unsigned && props.now.getTime() - u.awardedAt.getTime() >= UNSIGNED_AWARD_RETRY_MS) || (props.reannounce && u.signed))).map((u) => u.awardId)
    : [];
  const earned: AwardRequest[] = [];
  for (const learnerId of props.learnerIds) {
    const facts = factsByLearner.get(learnerId)!;
    const evaluations = evaluateAll(entries, facts);
    const held = new Set(facts.badges.map((b) => b.achievementId));
    for (const achievement of achievements) {
      const evaluation = evaluations.get(achievement.id);
      if (!evaluation?.award || held.has(achievement.id)) continue;
      earned.push({ achievementId: achievement.id, learnerId, score: scoreOf(evaluation), reason: evaluation.reason });
    }
    results.set(learnerId, { awarded: [], evaluations });
  }
  // The default awards a batch at once (one transaction, one enqueue); a given awarder goes one by one.
  const created = props.awarder ? await awardEach(props.awarder, earned) : await awardMany(ctx, earned, { issue, alsoIssue: stale });
  earned.forEach((request, i) => {
    if (created[i]) results.get(request.learnerId)!.awarded.push(request.achievementId);
  });
  return results;
}

async function awardEach(awarder: Awarder, requests: readonly AwardRequest[]): Promise<boolean[]> {
  const created: boolean[] = [];
  for (const request of requests) created.push((await awarder(request)).created);
  return created;
}

/** `badgeRulesEvaluated`: the award comes from evaluateAll over every published rule of the course. */
const ruleAward = (request: AwardRequest, badgeRulesEvaluated: boolean) => ({
  achievementId: request.achievementId,
  learnerId: request.learnerId,
  score: request.score,
  evidence: [{ name: 'Rule evaluation', narrative: request.reason }],
  actor: 'rules',
  source: 'rule' as const,
  badgeRulesEvaluated,
});

/**
 * The default awarder for a batch of earned rules: one transaction for every award (the database
 * constraint still decides exactly-once), then every award still without a credential issued: in
 * this run (`inline`) or by issue jobs queued in one Redis round trip (job id = award id, so a
 * re-run queues nothing twice). Why: one transaction and one enqueue per award was most of the
 * evaluate job's time under load, and the issue queue's hop most of the rest of the latency.
 */
async function awardMany(ctx: AppContext, requests: readonly AwardRequest[], options: { issue: IssueMode; alsoIssue: readonly string[] }): Promise<boolean[]> {
  const created: boolean[] = [];
  const toIssue = new Set(options.alsoIssue);
  if (requests.length > 0) {
    const deps = badgesDepsFor(ctx);
    // evaluateAll followed badges from badges over all the course's rules with these awards held.
    const results = await awardBadges(deps, requests.map((r) => ruleAward(r, true)));
    for (const [i, request] of requests.entries()) {
      // Neither created nor held: awardBadge says why (not published, learner gone), as one award did.
      const { award, created: isNew } = results[i] ?? (await awardBadge(deps, ruleAward(request, true)));
      if (!award.credential_id && award.status === 'issued') toIssue.add(award.id);
      created.push(isNew);
    }
  }
  const queued = options.issue === 'inline' ? await issueNow(ctx, [...toIssue]) : [...toIssue];
  await ctx.queues.enqueueBulk(issueCredentialJob, queued.map((awardId) => ({ payload: { awardId }, jobId: awardId })));
  return created;
}

/**
 * Issues these awards' credentials now (concurrently: the issue path batches their reads, signing
 * and stores); returns the awards that failed, for the issue job to retry.
 */
async function issueNow(ctx: AppContext, awardIds: readonly string[]): Promise<string[]> {
  const outcomes = await Promise.allSettled(awardIds.map((awardId) => issueAwardCredential(ctx, { awardId })));
  const failed = awardIds.filter((_, i) => outcomes[i]!.status === 'rejected');
  if (failed.length) {
    const reason = (outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult).reason as unknown;
    ctx.logger.warn({ err: reason, awards: failed.length }, 'issuing after the award failed; the issue job retries');
  }
  return failed;
}

// Parsed rules by achievement and version: a version's rule never changes, and parsing (zod) is the
// costliest part of evaluating a learner's events.
const parsedRules = new Map<string, Rule>();

export function ruleOf(a: AchievementRow): Rule {
  const key = `${a.id}@${a.rule_version}`;
  let rule = parsedRules.get(key);
  if (!rule) {
    rule = parseRule(a.rule, { id: a.id, version: a.rule_version });
    if (parsedRules.size >= 10_000) parsedRules.clear();
    parsedRules.set(key, rule);
  }
  return rule;
}

/** The percentage to record on the award: the learner's result when one score rule decided. */
function scoreOf(evaluation: Evaluation): number | null {
  const scores = evaluation.progress.filter((p) => p.kind === 'score' && p.unit === 'percent' && p.status === 'met');
  return scores.length === 1 ? scores[0]!.current : null;
}

/** The learner's latest scores (with the ids rules may use for each assignment) and active awards. */
export async function loadFacts<T>(dbAny: Kysely<T>, props: { courseId: string; learnerId: string; now: Date }): Promise<Facts> {
  const facts = await loadFactsMany(dbAny, { courseId: props.courseId, learnerIds: [props.learnerId], now: props.now });
  return facts.get(props.learnerId)!;
}

/** `loadFacts` for several learners of a course, in two statements. */
export async function loadFactsMany<T>(dbAny: Kysely<T>, props: { courseId: string; learnerIds: readonly string[]; now: Date }): Promise<Map<string, Facts>> {
  return (await readFacts(dbAny, props)).facts;
}

/** The facts, and the learners' held awards (whether they have a credential yet). */
async function readFacts<T>(dbAny: Kysely<T>, props: { courseId: string; learnerIds: readonly string[]; now: Date }) {
  const db = asTables<EventsDb>(dbAny);
  const learnerIds = [...new Set(props.learnerIds)];
  const facts = new Map<string, { now: Date; scores: ScoreFact[]; badges: HeldBadge[] }>(learnerIds.map((id) => [id, { now: props.now, scores: [], badges: [] }]));
  const { rows } = await sql<{ learner_id: string; id: string; source_key: string; name: string; score_given: string | null; score_maximum: string | null; excused: boolean; missing: boolean; occurred_at: Date }>`
    select s.learner_id, a.id, a.source_key, a.name, s.score_given, s.score_maximum, s.excused, s.missing, s.occurred_at
    from learner_scores s join assignments a on a.id = s.assignment_id
    where s.course_id = ${props.courseId} and s.learner_id = any(${learnerIds}::uuid[])`.execute(db);
  for (const r of rows) {
    facts.get(r.learner_id)?.scores.push({
      assignmentId: r.id,
      aliases: aliasesOf(r.source_key),
      assignmentName: r.name,
      scoreGiven: r.score_given === null ? null : Number(r.score_given),
      scoreMaximum: r.score_maximum === null ? null : Number(r.score_maximum),
      excused: r.excused,
      missing: r.missing,
      occurredAt: r.occurred_at,
    });
  }
  const held = await activeAwardsOf(db, learnerIds);
  for (const award of held) facts.get(award.learnerId)?.badges.push({ achievementId: award.achievementId, validUntil: award.validUntil });
  return { facts, held };
}

/** `api:A1` is matched by rules written as "A1", `canvas:123` by "123", and both by the full key. */
export function aliasesOf(sourceKey: string): string[] {
  const bare = sourceKey.replace(/^(api|canvas|moodle:item|lti):/, '');
  const aliases = bare === sourceKey ? [sourceKey] : [sourceKey, bare];
  // Canvas Live Events carry global ids (shard * 10^13 + local id); teachers see and write the local
  // id (355 in /courses/565/assignments/355), as learner and course ids are matched.
  if (sourceKey.startsWith('canvas:')) {
    const local = canvasIdCandidates(bare)[1];
    if (local !== undefined && local !== bare) aliases.push(`canvas:${local}`, local);
  }
  return aliases;
}


export function defaultAwarder(ctx: AppContext): Awarder {
  return async (request) => {
    const deps = badgesDepsFor(ctx);
    // Its callers (a backfill) evaluate one rule, not the course's: badges from badges still to follow.
    const { award, created } = await awardBadge(deps, ruleAward(request, false));
    if (!award.credential_id && award.status === 'issued') {
      await ctx.queues.enqueue(issueCredentialJob, { awardId: award.id }, { jobId: award.id });
    }
    return { created };
  };
}
