import { checkTiers, sameShape, tierRule, uniformThreshold, type RuleNode, type TierSpec } from '../../src/rules';

const base: RuleNode = { kind: 'allOf', rules: [
  { kind: 'score', assignmentId: 'q1', minPercent: 1 },
  { kind: 'anyOf', min: 1, rules: [{ kind: 'score', assignmentId: 'q2', minPoints: 3 }, { kind: 'badges', achievementIds: ['b'] }] },
] };
const tier = (name: string, value: number, unit: 'percent' | 'points' = 'percent'): TierSpec => ({ name, threshold: { unit, value } });

describe('tier rules', () => {
  it('replaces every score threshold and keeps badges conditions', () => {
    expect(tierRule(base, { unit: 'points', value: 7 })).toEqual({ kind: 'allOf', rules: [
      { kind: 'score', assignmentId: 'q1', minPoints: 7 },
      { kind: 'anyOf', min: 1, rules: [{ kind: 'score', assignmentId: 'q2', minPoints: 7 }, { kind: 'badges', achievementIds: ['b'] }] },
    ] });
  });

  it('reads a uniform threshold back, and none when thresholds differ or there is no score', () => {
    expect(uniformThreshold(tierRule(base, { unit: 'percent', value: 75 }))).toEqual({ unit: 'percent', value: 75 });
    expect(uniformThreshold(base)).toBeUndefined();
    expect(uniformThreshold({ kind: 'badges', achievementIds: ['b'] })).toBeUndefined();
  });

  it('tells tiers of one group from different rules', () => {
    expect(sameShape(tierRule(base, { unit: 'percent', value: 60 }), tierRule(base, { unit: 'percent', value: 90 }))).toBe(true);
    expect(sameShape(base, { kind: 'score', assignmentId: 'q1', minPercent: 1 })).toBe(false);
  });
});

describe('checking a tier ladder', () => {
  it('accepts 2 to 5 strictly rising, uniquely named tiers', () => {
    expect(checkTiers([tier('Bronze', 60), tier('Silver', 75), tier('Gold', 90)])).toEqual([]);
    expect(checkTiers([tier('One', 1, 'points'), tier('Two', 2, 'points')], { maxPoints: 2 })).toEqual([]);
  });

  it.each([
    ['one tier', [tier('Bronze', 60)], [{ field: 'tiers', message: 'A tiered badge has 2 to 5 tiers.' }]],
    ['six tiers', [1, 2, 3, 4, 5, 6].map((n) => tier(`T${n}`, n * 10)), [{ field: 'tiers', message: 'A tiered badge has 2 to 5 tiers.' }]],
    ['equal thresholds', [tier('Bronze', 60), tier('Silver', 60)], [{ index: 1, field: 'threshold', message: 'Must be higher than the Bronze tier (60).' }]],
    ['falling thresholds', [tier('Bronze', 80), tier('Silver', 70)], [{ index: 1, field: 'threshold', message: 'Must be higher than the Bronze tier (80).' }]],
    ['duplicate names', [tier('Gold', 60), tier('gold ', 70)], [{ index: 1, field: 'name', message: 'Each tier needs a different name.' }]],
    ['a missing name', [tier('', 60), tier('Silver', 70)], [{ index: 0, field: 'name', message: 'Name this tier, for example Bronze.' }]],
    ['percent above 100', [tier('A', 60), tier('B', 101)], [{ index: 1, field: 'threshold', message: 'A percentage is at most 100.' }]],
    ['points above the maximum', [tier('A', 6, 'points'), tier('B', 11, 'points')], [{ index: 1, field: 'threshold', message: 'The assignments are worth 10 points.' }]],
    ['mixed units', [tier('A', 6, 'points'), tier('B', 70)], [{ field: 'tiers', message: 'All tiers use the same unit.' }]],
  ])('refuses %s', (_what, tiers, problems) => {
    expect(checkTiers(tiers, { maxPoints: 10 })).toEqual(problems);
  });
});
