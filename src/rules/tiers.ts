import type { RuleNode } from './schema';

/**
 * Tiered badges (Bronze / Silver / Gold) are several achievements whose rules differ only in the
 * threshold of their score conditions. These helpers build a tier's rule from a base rule, read a
 * tier's threshold back, and check a tier ladder. Pure: no I/O.
 */

/** Fewest and most tiers in a group: one tier is a plain badge; more than five nobody tells apart. */
export const MIN_TIERS = 2;
export const MAX_TIERS = 5;
/** Longest tier name ("Bronze", "Level 3"): the achievement name is "<badge>: <tier>". */
export const MAX_TIER_NAME = 40;

export type ThresholdUnit = 'percent' | 'points';

export interface Threshold {
  unit: ThresholdUnit;
  value: number;
}

export interface TierSpec {
  name: string;
  threshold: Threshold;
}

/** The base rule with every score condition's pass mark replaced by the tier's threshold; badges conditions are kept. */
export function tierRule(base: RuleNode, threshold: Threshold): RuleNode {
  switch (base.kind) {
    case 'score':
      return threshold.unit === 'percent'
        ? { kind: 'score', assignmentId: base.assignmentId, minPercent: threshold.value }
        : { kind: 'score', assignmentId: base.assignmentId, minPoints: threshold.value };
    case 'badges':
      return base;
    case 'allOf':
      return { kind: 'allOf', rules: base.rules.map((r) => tierRule(r, threshold)) };
    case 'anyOf':
      return { kind: 'anyOf', rules: base.rules.map((r) => tierRule(r, threshold)), ...(base.min === undefined ? {} : { min: base.min }) };
  }
}

/**
 * The one threshold every score condition of a rule shares, or undefined when there is no score
 * condition or they differ (such a rule is not a tier the builder made).
 */
export function uniformThreshold(node: RuleNode): Threshold | undefined {
  const found: Threshold[] = [];
  const walk = (n: RuleNode): void => {
    if (n.kind === 'allOf' || n.kind === 'anyOf') n.rules.forEach(walk);
    else if (n.kind === 'score') found.push(n.minPercent !== undefined ? { unit: 'percent', value: n.minPercent } : { unit: 'points', value: n.minPoints! });
  };
  walk(node);
  const first = found[0];
  if (!first || found.some((t) => t.unit !== first.unit || t.value !== first.value)) return undefined;
  return first;
}

/** True when two rules are the same but for their score thresholds (the tiers of one group). */
export function sameShape(a: RuleNode, b: RuleNode): boolean {
  const probe: Threshold = { unit: 'percent', value: 0 };
  return JSON.stringify(tierRule(a, probe)) === JSON.stringify(tierRule(b, probe));
}

export interface TierProblem {
  /** Index of the tier the problem is about, or undefined for the ladder as a whole. */
  index?: number;
  field: 'name' | 'threshold' | 'tiers';
  message: string;
}

/**
 * Checks a tier ladder in the order given: 2-5 tiers, names present and unique (ignoring case),
 * thresholds rising strictly, percentages at most 100, points at most `maxPoints` when known.
 */
export function checkTiers(tiers: readonly TierSpec[], options: { maxPoints?: number } = {}): TierProblem[] {
  const problems: TierProblem[] = [];
  if (tiers.length < MIN_TIERS || tiers.length > MAX_TIERS) {
    problems.push({ field: 'tiers', message: `A tiered badge has ${MIN_TIERS} to ${MAX_TIERS} tiers.` });
  }
  const seen = new Set<string>();
  tiers.forEach((tier, index) => {
    const name = tier.name.trim();
    if (!name) problems.push({ index, field: 'name', message: 'Name this tier, for example Bronze.' });
    else if (name.length > MAX_TIER_NAME) problems.push({ index, field: 'name', message: `Use at most ${MAX_TIER_NAME} characters.` });
    else if (seen.has(name.toLowerCase())) problems.push({ index, field: 'name', message: 'Each tier needs a different name.' });
    seen.add(name.toLowerCase());
    const { unit, value } = tier.threshold;
    if (!Number.isFinite(value) || value < 0) problems.push({ index, field: 'threshold', message: 'Enter a threshold of 0 or more.' });
    else if (unit === 'percent' && value > 100) problems.push({ index, field: 'threshold', message: 'A percentage is at most 100.' });
    else if (unit === 'points' && options.maxPoints !== undefined && value > options.maxPoints) problems.push({ index, field: 'threshold', message: `The assignments are worth ${options.maxPoints} points.` });
    else if (index > 0) {
      const previous = tiers[index - 1]!.threshold;
      if (Number.isFinite(previous.value) && previous.unit === unit && value <= previous.value) {
        problems.push({ index, field: 'threshold', message: `Must be higher than the ${tiers[index - 1]!.name.trim() || 'previous'} tier (${previous.value}).` });
      }
    }
  });
  if (tiers.some((t) => t.threshold.unit !== tiers[0]?.threshold.unit)) problems.push({ field: 'tiers', message: 'All tiers use the same unit.' });
  return problems;
}
