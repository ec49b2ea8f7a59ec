import { evaluate, evaluateAll, tierConditions, type Facts, type RuleNode, type ScoreFact } from '../../src/rules';

const now = new Date('2026-11-22T12:00:00Z');
const rule = (condition: RuleNode) => ({ id: 'ach-1', version: 3, condition });
const score = (assignmentId: string, scoreGiven: number | null, scoreMaximum: number | null, extra: Partial<ScoreFact> = {}): ScoreFact => ({
  assignmentId, assignmentName: assignmentId.replace('q', 'Quiz '), scoreGiven, scoreMaximum, ...extra,
});
const facts = (scores: ScoreFact[], extra: Partial<Facts> = {}): Facts => ({ now, scores, badges: [], ...extra });

describe('evaluate: score rules', () => {
  const at80: RuleNode = { kind: 'score', assignmentId: 'q2', minPercent: 80 };
  const cases: [string, RuleNode, ScoreFact[], boolean, string][] = [
    ['exactly at the threshold', at80, [score('q2', 8, 10)], true, 'Quiz 2: 80% of the 80% required'],
    ['above', at80, [score('q2', 45, 50)], true, 'Quiz 2: 90% of the 80% required'],
    ['below', at80, [score('q2', 36, 50)], false, 'Quiz 2: 72% of the 80% required'],
    ['a hair below never shows as 80%', at80, [score('q2', 79.96, 100)], false, 'Quiz 2: 79.9% of the 80% required'],
    ['Moodle rescaling 7/10 -> 35/50 keeps the percentage', { kind: 'score', assignmentId: 'q2', minPercent: 70 }, [score('q2', 35, 50)], true, 'Quiz 2: 70% of the 70% required'],
    ['float noise does not fail 29%', { kind: 'score', assignmentId: 'q2', minPercent: 29 }, [score('q2', 0.29, 1)], true, 'Quiz 2: 29% of the 29% required'],
    ['no score yet', at80, [], false, 'q2: not graded yet (80% required)'],
    ['score given null', at80, [score('q2', null, 10)], false, 'Quiz 2: not graded yet (80% required)'],
    ['missing flag', at80, [score('q2', null, 10, { missing: true })], false, 'Quiz 2: missing (80% required)'],
    ['excused', at80, [score('q2', null, 10, { excused: true })], false, 'Quiz 2: excused, not counted'],
    ['excused with a score still not counted', at80, [score('q2', 10, 10, { excused: true })], false, 'Quiz 2: excused, not counted'],
    ['percent without maximum', at80, [score('q2', 9, null)], false, 'Quiz 2: 9 points, but no maximum is known to compute a percentage (80% required)'],
    ['percent with zero maximum', at80, [score('q2', 0, 0)], false, 'Quiz 2: 0 points, but no maximum is known to compute a percentage (80% required)'],
    ['minPoints met', { kind: 'score', assignmentId: 'q2', minPoints: 15 }, [score('q2', 15, 20)], true, 'Quiz 2: 15 of the 15 points required'],
    ['minPoints ignores maximum', { kind: 'score', assignmentId: 'q2', minPoints: 15 }, [score('q2', 16, null)], true, 'Quiz 2: 16 of the 15 points required'],
    ['minPoints below', { kind: 'score', assignmentId: 'q2', minPoints: 1 }, [score('q2', 0.5, 1)], false, 'Quiz 2: 0.5 of the 1 point required'],
    ['matched through an alias (LMS id)', at80, [score('uuid-1', 9, 10, { aliases: ['q2'], assignmentName: 'Quiz 2' })], true, 'Quiz 2: 90% of the 80% required'],
    ['newest of two facts for the same assignment wins', at80, [
      score('q2', 10, 10, { occurredAt: new Date('2026-01-01') }),
      score('q2', 5, 10, { occurredAt: new Date('2026-02-01') }),
    ], false, 'Quiz 2: 50% of the 80% required'],
  ];
  it.each(cases)('%s', (_name, condition, scores, award, message) => {
    const result = evaluate(rule(condition), facts(scores));
    expect(result.award).toBe(award);
    expect(result.ruleId).toBe('ach-1');
    expect(result.ruleVersion).toBe(3);
    expect(result.progress.map((p) => p.message)).toEqual([message]);
  });

  it('reports progress values for the learner page', () => {
    const [item] = evaluate(rule(at80), facts([score('q2', 36, 50)])).progress;
    expect(item).toEqual({ kind: 'score', ref: 'q2', label: 'Quiz 2', status: 'unmet', current: 72, required: 80, unit: 'percent', message: 'Quiz 2: 72% of the 80% required' });
  });

  it('names an assignment without a score from facts.names', () => {
    const result = evaluate(rule(at80), facts([], { names: { q2: 'Quiz two' } }));
    expect(result.reason).toBe('Not yet: Quiz two: not graded yet (80% required).');
  });
});

describe('evaluate: allOf / anyOf', () => {
  const all70: RuleNode = { kind: 'allOf', rules: ['a1', 'a2', 'a3'].map((id) => ({ kind: 'score', assignmentId: id, minPercent: 70 })) };
  const any2: RuleNode = { kind: 'anyOf', min: 2, rules: ['a1', 'a2', 'a3'].map((id) => ({ kind: 'score', assignmentId: id, minPercent: 70 })) };
  const cases: [string, RuleNode, ScoreFact[], boolean][] = [
    ['allOf all met', all70, [score('a1', 7, 10), score('a2', 8, 10), score('a3', 70, 100)], true],
    ['allOf one below', all70, [score('a1', 7, 10), score('a2', 6, 10), score('a3', 9, 10)], false],
    ['allOf one ungraded', all70, [score('a1', 7, 10), score('a2', 8, 10)], false],
    ['allOf excused one does not block', all70, [score('a1', 7, 10), score('a2', null, 10, { excused: true }), score('a3', 9, 10)], true],
    ['allOf all excused awards nothing', all70, ['a1', 'a2', 'a3'].map((id) => score(id, null, 10, { excused: true })), false],
    ['anyOf(min 2) two met', any2, [score('a1', 7, 10), score('a2', 1, 10), score('a3', 9, 10)], true],
    ['anyOf(min 2) one met', any2, [score('a1', 7, 10), score('a2', 1, 10)], false],
    ['anyOf(min 2) excused shrinks what can be required', any2, [score('a1', 7, 10), score('a2', null, 10, { excused: true }), score('a3', null, 10, { excused: true })], true],
    ['anyOf excused does not satisfy', { kind: 'anyOf', rules: [{ kind: 'score', assignmentId: 'a1', minPercent: 50 }, { kind: 'score', assignmentId: 'a2', minPercent: 50 }] }, [score('a1', null, 10, { excused: true }), score('a2', 1, 10)], false],
    ['nested allOf inside anyOf', { kind: 'anyOf', rules: [all70, { kind: 'score', assignmentId: 'final', minPercent: 90 }] }, [score('final', 95, 100)], true],
  ];
  it.each(cases)('%s', (_name, condition, scores, award) => {
    expect(evaluate(rule(condition), facts(scores)).award).toBe(award);
  });

  it('explains every open requirement of an allOf', () => {
    const result = evaluate(rule(all70), facts([score('a1', 7, 10), score('a2', 6, 10)]));
    expect(result.reason).toBe('Not yet: a2: 60% of the 70% required; a3: not graded yet (70% required).');
    expect(result.progress.map((p) => p.status)).toEqual(['met', 'unmet', 'ungraded']);
  });

  it('says why a badge was earned', () => {
    const result = evaluate(rule(all70), facts([score('a1', 7, 10), score('a2', 8, 10), score('a3', 10, 10)]));
    expect(result.reason).toBe('Earned: a1: 70% of the 70% required; a2: 80% of the 70% required; a3: 100% of the 70% required.');
  });
});

describe('evaluate: badges rules', () => {
  const threeOfFive: RuleNode = { kind: 'badges', achievementIds: ['b1', 'b2', 'b3', 'b4', 'b5'], min: 3 };
  const held = (...ids: string[]) => ids.map((achievementId) => ({ achievementId, name: achievementId.toUpperCase() }));
  const cases: [string, RuleNode, Facts['badges'], boolean][] = [
    ['3 of 5 held', threeOfFive, held('b1', 'b3', 'b5'), true],
    ['2 of 5 held', threeOfFive, held('b1', 'b3'), false],
    ['unrelated badges do not count', threeOfFive, held('b1', 'b3', 'x9'), false],
    ['duplicates count once', threeOfFive, held('b1', 'b1', 'b1'), false],
    ['min defaults to all', { kind: 'badges', achievementIds: ['b1', 'b2'] }, held('b1', 'b2'), true],
    ['expired badges do not count', threeOfFive, [...held('b1', 'b2'), { achievementId: 'b3', validUntil: new Date('2026-11-22T11:59:59Z') }], false],
    ['a badge valid past now counts', threeOfFive, [...held('b1', 'b2'), { achievementId: 'b3', validUntil: new Date('2027-01-01') }], true],
  ];
  it.each(cases)('%s', (_name, condition, badges, award) => {
    expect(evaluate(rule(condition), facts([], { badges })).award).toBe(award);
  });

  it('lists the badges still needed', () => {
    const result = evaluate(rule(threeOfFive), facts([], { badges: held('b1') }));
    expect(result.progress[0]).toMatchObject({ kind: 'badges', current: 1, required: 3, unit: 'badges' });
    expect(result.progress[0]?.message).toBe('3 of 5 badges: 1 of the 3 required (not yet: b2, b3, b4, b5)');
  });
});

describe('tiers and evaluateAll', () => {
  it('awards every tier up to the score reached', () => {
    const [bronze, silver, gold] = tierConditions({ assignmentId: 'exam', minPercents: [90, 60, 75] });
    const entries = [bronze, silver, gold].map((condition, i) => ({ achievementId: `tier-${i}`, rule: { id: `tier-${i}`, version: 1, condition: condition as RuleNode } }));
    const results = evaluateAll(entries, facts([score('exam', 80, 100)]));
    expect([...results.values()].map((r) => r.award)).toEqual([true, true, false]);
    expect((gold as { minPercent: number }).minPercent).toBe(90);
  });

  it('feeds badges earned in the same round into badge-based rules', () => {
    const entries = [
      { achievementId: 'meta', rule: { id: 'meta', version: 1, condition: { kind: 'badges', achievementIds: ['q1', 'q2'] } as RuleNode } },
      { achievementId: 'q1', rule: { id: 'q1', version: 1, condition: { kind: 'score', assignmentId: 'a1', minPercent: 50 } as RuleNode } },
      { achievementId: 'q2', rule: { id: 'q2', version: 1, condition: { kind: 'score', assignmentId: 'a2', minPercent: 50 } as RuleNode } },
    ];
    const results = evaluateAll(entries, facts([score('a1', 5, 10), score('a2', 6, 10)]));
    expect(results.get('meta')?.award).toBe(true);
    const partial = evaluateAll(entries, facts([score('a1', 5, 10)]));
    expect(partial.get('meta')?.award).toBe(false);
  });
});
