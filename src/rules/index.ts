/**
 * Badge rules: a pure model and evaluator (no I/O, no clock). See `evaluate.ts` for how excused and
 * missing scores are treated.
 */
export {
  ruleNodeSchema,
  scoreRuleSchema,
  badgesRuleSchema,
  MAX_RULE_DEPTH,
  MAX_RULE_CHILDREN,
  type Rule,
  type RuleNode,
  type ScoreRule,
  type BadgesRule,
  type AllOfRule,
  type AnyOfRule,
} from './schema';
export { parseRule, parseRuleNode } from './parse';
export {
  evaluate,
  evaluateAll,
  tierConditions,
  type Facts,
  type ScoreFact,
  type HeldBadge,
  type Evaluation,
  type ProgressItem,
  type ProgressStatus,
} from './evaluate';
export { referencedAssignmentIds, referencedAchievementIds, rulesReadingBadge, type OwnedRule } from './refs';
export { tierRule, uniformThreshold, sameShape, checkTiers, MIN_TIERS, MAX_TIERS, MAX_TIER_NAME, type Threshold, type ThresholdUnit, type TierSpec, type TierProblem } from './tiers';
