import type { RuleNode } from '../rules';

/** A rule in plain words for instructors ("At least 80% on Quiz 2 and at least 2 of: ..."). */
export function describeRule(node: RuleNode, names: Readonly<Record<string, string>>): string {
  const name = (id: string) => names[id] ?? id;
  switch (node.kind) {
    case 'score':
      return node.minPercent !== undefined ? `at least ${node.minPercent}% on ${name(node.assignmentId)}` : `at least ${node.minPoints} points on ${name(node.assignmentId)}`;
    case 'badges': {
      const min = node.min ?? node.achievementIds.length;
      const list = node.achievementIds.map(name).join(', ');
      return min === node.achievementIds.length ? `holding ${node.achievementIds.length === 1 ? 'the badge' : 'all of the badges'} ${list}` : `holding at least ${min} of the badges ${list}`;
    }
    case 'allOf':
      return node.rules.map((r) => describeRule(r, names)).join(' and ');
    case 'anyOf': {
      const parts = node.rules.map((r) => describeRule(r, names));
      return (node.min ?? 1) === 1 ? `any one of: ${parts.join('; ')}` : `at least ${node.min} of: ${parts.join('; ')}`;
    }
  }
}

export function capitalise(text: string): string {
  return text ? text[0]!.toUpperCase() + text.slice(1) : text;
}
