import { z } from 'zod';

/**
 * Badge rules are data (DESIGN section 7): a tree of conditions stored as JSON on an achievement.
 * Nodes are validated when loaded; unknown keys are refused so a typo ("minPercnt") never turns
 * into a rule that silently awards everybody.
 */

/** Deepest nesting accepted; real rules are two or three levels, this only stops hostile input. */
export const MAX_RULE_DEPTH = 8;
/** Most children of one allOf/anyOf and most ids in one badges rule. */
export const MAX_RULE_CHILDREN = 100;

const id = z.string().trim().min(1).max(200);

export const scoreRuleSchema = z
  .strictObject({
    kind: z.literal('score'),
    /** The assignment, by Laurel id or by the id the LMS/API used for it. */
    assignmentId: id,
    /** Pass mark as a percentage of the score maximum (0-100). */
    minPercent: z.number().min(0).max(100).optional(),
    /** Pass mark in points (score given), whatever the maximum. */
    minPoints: z.number().min(0).optional(),
  })
  .refine((r) => (r.minPercent === undefined) !== (r.minPoints === undefined), {
    message: 'a score rule needs exactly one of minPercent or minPoints',
  });

export const badgesRuleSchema = z.strictObject({
  kind: z.literal('badges'),
  achievementIds: z.array(id).min(1).max(MAX_RULE_CHILDREN),
  /** How many of `achievementIds` the learner must hold; defaults to all of them. */
  min: z.number().int().min(1).optional(),
}).refine((r) => r.min === undefined || r.min <= new Set(r.achievementIds).size, {
  message: 'min cannot exceed the number of distinct achievementIds',
});

export type ScoreRule = z.infer<typeof scoreRuleSchema>;
export type BadgesRule = z.infer<typeof badgesRuleSchema>;
export interface AllOfRule {
  kind: 'allOf';
  rules: RuleNode[];
}
export interface AnyOfRule {
  kind: 'anyOf';
  rules: RuleNode[];
  /** How many children must be met; defaults to 1. */
  min?: number;
}
export type RuleNode = ScoreRule | BadgesRule | AllOfRule | AnyOfRule;

export const ruleNodeSchema: z.ZodType<RuleNode> = z.lazy(() =>
  z.union([
    scoreRuleSchema,
    badgesRuleSchema,
    z.strictObject({ kind: z.literal('allOf'), rules: z.array(ruleNodeSchema).min(1).max(MAX_RULE_CHILDREN) }),
    z
      .strictObject({
        kind: z.literal('anyOf'),
        rules: z.array(ruleNodeSchema).min(1).max(MAX_RULE_CHILDREN),
        min: z.number().int().min(1).optional(),
      })
      .refine((r) => r.min === undefined || r.min <= r.rules.length, { message: 'min cannot exceed the number of rules' }),
  ]),
);

/** A rule as the evaluator takes it: the condition plus who it is and which revision. */
export interface Rule {
  /** Stable id (the achievement id when the rule lives on an achievement). */
  id: string;
  /** Bumped on every change, so awards and dry runs can say which revision decided. */
  version: number;
  condition: RuleNode;
}

export function ruleDepth(node: RuleNode): number {
  return node.kind === 'allOf' || node.kind === 'anyOf' ? 1 + Math.max(...node.rules.map(ruleDepth)) : 1;
}
