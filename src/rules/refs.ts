import type { RuleNode } from './schema';

/** Every assignment id a condition reads, so a score event only re-evaluates the rules it can change. */
export function referencedAssignmentIds(node: RuleNode): string[] {
  return [...new Set(collect(node, (n) => (n.kind === 'score' ? [n.assignmentId] : [])))];
}

/** Every achievement id a condition reads, so issuing a badge re-evaluates the badge-based rules. */
export function referencedAchievementIds(node: RuleNode): string[] {
  return [...new Set(collect(node, (n) => (n.kind === 'badges' ? n.achievementIds : [])))];
}

function collect(node: RuleNode, pick: (leaf: RuleNode) => readonly string[]): string[] {
  if (node.kind === 'allOf' || node.kind === 'anyOf') return node.rules.flatMap((r) => collect(r, pick));
  return [...pick(node)];
}

/** A stored rule with its owner: the achievement it awards and its condition. */
export interface OwnedRule {
  achievementId: string;
  condition: RuleNode;
}

/**
 * The achievements whose rule reads `achievementId` (a `badges` condition names it, at any depth):
 * those to evaluate again when it is issued. The rule of `achievementId` itself never counts.
 */
export function rulesReadingBadge(rules: Iterable<OwnedRule>, achievementId: string): string[] {
  const readers: string[] = [];
  for (const rule of rules) {
    if (rule.achievementId !== achievementId && referencedAchievementIds(rule.condition).includes(achievementId)) readers.push(rule.achievementId);
  }
  return readers;
}
