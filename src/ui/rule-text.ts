import { referencedAssignmentIds, type RuleNode, type Threshold } from '../rules';

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

/** "60%" or "12 points". */
export function describeThreshold(threshold: Threshold | undefined): string {
  if (!threshold) return '(threshold varies)';
  return threshold.unit === 'percent' ? `${threshold.value}%` : `${threshold.value} ${threshold.value === 1 ? 'point' : 'points'}`;
}

/** A tier ladder in one line: "Quiz mastery: Bronze 60%, Silver 75%, Gold 90% on Quiz 1 and Quiz 2". */
export function describeTiers(group: { name: string; tiers: ReadonlyArray<{ tierName: string; threshold?: Threshold }> }, lowestRule: RuleNode | null, names: Readonly<Record<string, string>>): string {
  const ladder = group.tiers.map((t) => `${t.tierName} ${describeThreshold(t.threshold)}`).join(', ');
  if (!lowestRule) return `${group.name}: ${ladder}`;
  const assignments = referencedAssignmentIds(lowestRule).map((id) => names[id] ?? id);
  const joiner = lowestRule.kind === 'anyOf' ? (lowestRule.min ?? 1) > 1 ? ` (at least ${lowestRule.min} of these)` : ' or ' : ' and ';
  const on = joiner.startsWith(' (') ? `${assignments.join(', ')}${joiner}` : assignments.join(joiner);
  const badges = (lowestRule.kind === 'allOf' || lowestRule.kind === 'anyOf' ? lowestRule.rules : [lowestRule]).filter((r) => r.kind === 'badges');
  return `${group.name}: ${ladder} on ${on}${badges.length ? `; each tier also needs ${badges.map((b) => describeRule(b, names)).join(' and ')}` : ''}`;
}
