import type { BadgesRule, Rule, RuleNode, ScoreRule } from './schema';

/**
 * The pure rule evaluator: no I/O, no clock (`facts.now` is passed in).
 *
 * Decisions, documented because instructors see their effects:
 * - A score counts as a percentage of its own `scoreMaximum` (`scoreGiven / scoreMaximum`), so a
 *   Moodle score rescaled to the grade item's maximum (7/10 -> 35/50) gives the same answer.
 * - **Excused** neither satisfies nor blocks: an excused assignment is left out of an `allOf`, does
 *   not count toward an `anyOf` (whose `min` shrinks to the children that are not excused), and a
 *   rule made only of excused assignments awards nothing.
 * - **Missing** (no score yet, no score given, or the LMS's "missing" flag without a score) never
 *   satisfies: the badge waits for a grade.
 * - A percentage rule on a score without a positive maximum cannot be decided and is not met.
 * - Earned badges count for `badges` rules only while valid at `now` (not expired).
 */

export interface ScoreFact {
  /** Laurel's assignment id. */
  assignmentId: string;
  /** Other ids the same assignment is known by (the LMS's or the API caller's id). */
  aliases?: readonly string[];
  assignmentName?: string | null;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  excused?: boolean;
  /** The LMS flagged the submission missing (past due, not submitted). */
  missing?: boolean;
  occurredAt?: Date;
}

export interface HeldBadge {
  achievementId: string;
  name?: string | null;
  /** Expiry; null or absent = never expires. */
  validUntil?: Date | null;
}

export interface Facts {
  now: Date;
  /** The learner's latest score per assignment in the course. */
  scores: readonly ScoreFact[];
  /** Active (not revoked) awards the learner holds. */
  badges: readonly HeldBadge[];
  /** Display names by id, for assignments or achievements the learner has no fact for yet. */
  names?: Readonly<Record<string, string>>;
}

export type ProgressStatus = 'met' | 'unmet' | 'ungraded' | 'missing' | 'excused';

/** One line of "what is still needed", for the learner page. */
export interface ProgressItem {
  kind: 'score' | 'badges';
  /** The assignment id of a score rule; the achievement ids of a badges rule, comma separated. */
  ref: string;
  label: string;
  status: ProgressStatus;
  /** Where the learner stands: percent, points or badge count (null when unknown). */
  current: number | null;
  required: number;
  unit: 'percent' | 'points' | 'badges';
  /** Human sentence, e.g. "Quiz 2: 72% of the 80% required". */
  message: string;
}

export interface Evaluation {
  award: boolean;
  ruleId: string;
  ruleVersion: number;
  /** Why the badge was or was not earned, in one sentence. */
  reason: string;
  progress: ProgressItem[];
}

type Outcome = 'met' | 'unmet' | 'excused';
interface NodeResult {
  outcome: Outcome;
  items: ProgressItem[];
}

// Scores arrive as floats (0.29 * 100 = 28.999999999999996): compare with a tolerance far below
// any meaningful grade difference.
const EPSILON = 1e-9;

export function evaluate(rule: Rule, facts: Facts): Evaluation {
  const result = evalNode(rule.condition, facts);
  const award = result.outcome === 'met';
  return { award, ruleId: rule.id, ruleVersion: rule.version, reason: reasonOf(result), progress: result.items };
}

/**
 * Evaluates the rules of several achievements for one learner, feeding badges earned in this round
 * back into `badges` rules until nothing changes (a "3 of these 5 badges" rule can be earned in the
 * same evaluation as its third badge). Keyed by achievement id.
 */
export function evaluateAll(entries: readonly { achievementId: string; rule: Rule }[], facts: Facts): Map<string, Evaluation> {
  const held = [...facts.badges];
  const results = new Map<string, Evaluation>();
  for (let round = 0; round <= entries.length; round++) {
    let changed = false;
    for (const entry of entries) {
      const evaluation = evaluate(entry.rule, { ...facts, badges: held });
      results.set(entry.achievementId, evaluation);
      if (evaluation.award && !held.some((b) => b.achievementId === entry.achievementId && isValid(b, facts.now))) {
        held.push({ achievementId: entry.achievementId });
        changed = true;
      }
    }
    if (!changed) break;
  }
  return results;
}

/** Tiers are several achievements with rising thresholds on one assignment: one condition per tier. */
export function tierConditions(props: { assignmentId: string; minPercents: readonly number[] }): RuleNode[] {
  return [...props.minPercents].sort((a, b) => a - b).map((minPercent) => ({ kind: 'score', assignmentId: props.assignmentId, minPercent }));
}

function evalNode(node: RuleNode, facts: Facts): NodeResult {
  switch (node.kind) {
    case 'score':
      return evalScore(node, facts);
    case 'badges':
      return evalBadges(node, facts);
    case 'allOf': {
      const children = node.rules.map((r) => evalNode(r, facts));
      const items = children.flatMap((c) => c.items);
      if (children.some((c) => c.outcome === 'unmet')) return { outcome: 'unmet', items };
      return { outcome: children.some((c) => c.outcome === 'met') ? 'met' : 'excused', items };
    }
    case 'anyOf': {
      const children = node.rules.map((r) => evalNode(r, facts));
      const items = children.flatMap((c) => c.items);
      const counted = children.filter((c) => c.outcome !== 'excused').length;
      if (counted === 0) return { outcome: 'excused', items };
      const needed = Math.min(node.min ?? 1, counted);
      const met = children.filter((c) => c.outcome === 'met').length;
      return { outcome: met >= needed ? 'met' : 'unmet', items };
    }
  }
}

function evalScore(rule: ScoreRule, facts: Facts): NodeResult {
  const fact = findScore(facts.scores, rule.assignmentId);
  const label = fact?.assignmentName || facts.names?.[rule.assignmentId] || rule.assignmentId;
  const byPercent = rule.minPercent !== undefined;
  const required = (byPercent ? rule.minPercent : rule.minPoints) as number;
  const unit = byPercent ? 'percent' : 'points';
  const need = byPercent ? `${fmt(required)}%` : `${fmt(required)} ${plural(required, 'point')}`;
  const item = (status: ProgressStatus, current: number | null, message: string): ProgressItem => ({
    kind: 'score', ref: rule.assignmentId, label, status, current, required, unit, message: `${label}: ${message}`,
  });
  const leaf = (outcome: Outcome, progress: ProgressItem): NodeResult => ({ outcome, items: [progress] });

  if (fact?.excused) return leaf('excused', item('excused', null, 'excused, not counted'));
  if (!fact || fact.scoreGiven === null || !Number.isFinite(fact.scoreGiven)) {
    if (fact?.missing) return leaf('unmet', item('missing', null, `missing (${need} required)`));
    return leaf('unmet', item('ungraded', null, `not graded yet (${need} required)`));
  }
  const given = fact.scoreGiven;
  if (!byPercent) {
    const met = given >= required - EPSILON;
    return leaf(met ? 'met' : 'unmet', item(met ? 'met' : 'unmet', given, `${fmt(given)} of the ${need} required`));
  }
  const max = fact.scoreMaximum;
  if (max === null || !Number.isFinite(max) || max <= 0) {
    return leaf('unmet', item('unmet', null, `${fmt(given)} ${plural(given, 'point')}, but no maximum is known to compute a percentage (${need} required)`));
  }
  const met = given * 100 >= required * max - EPSILON * max;
  const percent = (given / max) * 100;
  // Never show "80%" for a 79.96% that fails an 80% rule: round down for display.
  const shown = Math.floor(percent * 10 + 1e-6) / 10;
  return leaf(met ? 'met' : 'unmet', item(met ? 'met' : 'unmet', shown, `${fmt(shown)}% of the ${need} required`));
}

function evalBadges(rule: BadgesRule, facts: Facts): NodeResult {
  const wanted = [...new Set(rule.achievementIds)];
  const required = rule.min ?? wanted.length;
  const heldIds = new Set(facts.badges.filter((b) => isValid(b, facts.now)).map((b) => b.achievementId));
  const have = wanted.filter((id) => heldIds.has(id));
  const met = have.length >= required;
  const missingNames = wanted.filter((id) => !heldIds.has(id)).map((id) => nameOfBadge(id, facts));
  const label = required === wanted.length ? `All of ${wanted.length} badges` : `${required} of ${wanted.length} badges`;
  const message = met
    ? `${label}: ${have.length} earned`
    : `${label}: ${have.length} of the ${required} required (not yet: ${missingNames.join(', ')})`;
  return {
    outcome: met ? 'met' : 'unmet',
    items: [{ kind: 'badges', ref: wanted.join(','), label, status: met ? 'met' : 'unmet', current: have.length, required, unit: 'badges', message }],
  };
}

function findScore(scores: readonly ScoreFact[], id: string): ScoreFact | undefined {
  let best: ScoreFact | undefined;
  for (const s of scores) {
    if (s.assignmentId !== id && !s.aliases?.includes(id)) continue;
    if (!best || (s.occurredAt?.getTime() ?? 0) > (best.occurredAt?.getTime() ?? 0)) best = s;
  }
  return best;
}

function isValid(badge: HeldBadge, now: Date): boolean {
  return !badge.validUntil || badge.validUntil.getTime() > now.getTime();
}

function nameOfBadge(id: string, facts: Facts): string {
  return facts.badges.find((b) => b.achievementId === id)?.name || facts.names?.[id] || id;
}

function reasonOf(result: NodeResult): string {
  if (result.outcome === 'excused') return 'Not awarded: every assignment in this rule is excused.';
  if (result.outcome === 'met') {
    return `Earned: ${result.items.filter((i) => i.status === 'met').map((i) => i.message).join('; ')}.`;
  }
  const open = result.items.filter((i) => i.status !== 'met' && i.status !== 'excused');
  return `Not yet: ${open.map((i) => i.message).join('; ')}.`;
}

function fmt(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
