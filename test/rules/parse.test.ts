import { LaurelError } from '../../src/errors';
import { parseRule, parseRuleNode, referencedAchievementIds, referencedAssignmentIds, rulesReadingBadge } from '../../src/rules';

function issuesOf(input: unknown): { field: string; message: string }[] {
  try {
    parseRuleNode(input);
  } catch (error) {
    expect(error).toBeInstanceOf(LaurelError);
    expect((error as LaurelError).code).toBe('ERR_VALIDATION');
    return (error as LaurelError).issues;
  }
  throw new Error('expected the rule to be refused');
}

describe('parseRuleNode', () => {
  it.each([
    ['score by percent (DESIGN 7)', { kind: 'score', assignmentId: 'A1', minPercent: 80 }],
    ['score by points', { kind: 'score', assignmentId: 'A1', minPoints: 12.5 }],
    ['allOf', { kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'A1', minPercent: 70 }, { kind: 'score', assignmentId: 'A2', minPercent: 70 }] }],
    ['anyOf with min', { kind: 'anyOf', min: 2, rules: [{ kind: 'score', assignmentId: 'A1', minPercent: 70 }, { kind: 'score', assignmentId: 'A2', minPercent: 70 }] }],
    ['badges (DESIGN 7)', { kind: 'badges', achievementIds: ['x', 'y', 'z'], min: 2 }],
  ])('accepts %s', (_name, input) => {
    expect(parseRuleNode(input)).toEqual(input);
  });

  it.each([
    ['unknown kind', { kind: 'average', assignmentId: 'A1' }, 'rule.kind'],
    ['both thresholds', { kind: 'score', assignmentId: 'A1', minPercent: 80, minPoints: 3 }, 'rule'],
    ['no threshold', { kind: 'score', assignmentId: 'A1' }, 'rule'],
    ['percent above 100', { kind: 'score', assignmentId: 'A1', minPercent: 120 }, 'rule.minPercent'],
    ['typo in a key', { kind: 'score', assignmentId: 'A1', minPercnt: 80 }, 'rule'],
    ['empty allOf', { kind: 'allOf', rules: [] }, 'rule.rules'],
    ['bad child', { kind: 'allOf', rules: [{ kind: 'score', assignmentId: '', minPercent: 1 }] }, 'rule.rules.0.assignmentId'],
    ['badges min above count', { kind: 'badges', achievementIds: ['x'], min: 2 }, 'rule'],
    ['anyOf min above count', { kind: 'anyOf', min: 3, rules: [{ kind: 'badges', achievementIds: ['x'] }] }, 'rule'],
    ['not an object', 'at least 80%', 'rule'],
  ])('refuses %s with a field issue', (_name, input, field) => {
    const issues = issuesOf(input);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.map((i) => i.field)).toContain(field);
  });

  it('refuses nesting deeper than the limit', () => {
    let node: unknown = { kind: 'score', assignmentId: 'A1', minPercent: 1 };
    for (let i = 0; i < 9; i++) node = { kind: 'allOf', rules: [node] };
    expect(issuesOf(node)).toEqual([{ field: 'rule', message: 'at most 8 levels of allOf/anyOf' }]);
  });
});

describe('parseRule', () => {
  it('carries id and version', () => {
    const rule = parseRule({ kind: 'score', assignmentId: 'A1', minPercent: 80 }, { id: 'ach-9', version: 2 });
    expect(rule).toEqual({ id: 'ach-9', version: 2, condition: { kind: 'score', assignmentId: 'A1', minPercent: 80 } });
  });
  it('treats a bad version as a programming error', () => {
    expect(() => parseRule({ kind: 'score', assignmentId: 'A1', minPercent: 80 }, { id: 'a', version: 0 })).toThrow(TypeError);
  });
});

describe('references', () => {
  it('lists the assignments and achievements a rule reads', () => {
    const node = parseRuleNode({
      kind: 'anyOf',
      rules: [{ kind: 'score', assignmentId: 'A1', minPercent: 80 }, { kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'A2', minPoints: 1 }, { kind: 'badges', achievementIds: ['x', 'y'] }, { kind: 'score', assignmentId: 'A1', minPoints: 2 }] }],
    });
    expect(referencedAssignmentIds(node)).toEqual(['A1', 'A2']);
    expect(referencedAchievementIds(node)).toEqual(['x', 'y']);
  });

  it('answers which rules read a badge from the structured rule, not from its text', () => {
    const badge = '6f1c1d2e-0000-4000-8000-000000000001';
    const rules = [
      { achievementId: 'nested', condition: parseRuleNode({ kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'A1', minPercent: 50 }, { kind: 'anyOf', rules: [{ kind: 'badges', achievementIds: ['other', badge] }] }] }) },
      { achievementId: 'direct', condition: parseRuleNode({ kind: 'badges', achievementIds: [badge] }) },
      // The id as an assignment id is text that contains it, but no rule reading the badge.
      { achievementId: 'score-named-like-it', condition: parseRuleNode({ kind: 'score', assignmentId: badge, minPercent: 80 }) },
      { achievementId: 'reads-others', condition: parseRuleNode({ kind: 'badges', achievementIds: ['other'] }) },
      // A rule naming its own achievement is not re-evaluated by issuing it.
      { achievementId: badge, condition: parseRuleNode({ kind: 'badges', achievementIds: [badge] }) },
    ];
    expect(rulesReadingBadge(rules, badge)).toEqual(['nested', 'direct']);
    expect(rulesReadingBadge(rules, 'nobody-reads-this')).toEqual([]);
    expect(rulesReadingBadge([], badge)).toEqual([]);
  });
});
