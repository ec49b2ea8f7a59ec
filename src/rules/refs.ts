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
