import type { Assignment } from '../../src/courses';
import { parseBadgeForm, valuesFromAchievement, type BadgeFormValues } from '../../src/ui/badge-form';
import { applyFormAction, scoreRowIndexes, tierIndexes } from '../../src/ui/badge-rule-form';
import { badgeFormView } from '../../src/ui/form-view';
import type { RuleNode } from '../../src/rules';

const assignment = (id: string, name: string, points: number | null): Assignment =>
  ({ id, name, points_possible: points === null ? null : String(points), course_id: 'c', source_key: `api:${name.toLowerCase().replace(/ /g, '-')}`, due_at: null, deleted_at: null, created_at: new Date(), updated_at: new Date() });
const ids = ['11111111-1111-4111-8111-11111111111', '22222222-2222-4222-8222-22222222222'].flatMap((p) => [0, 1, 2].map((n) => `${p}${n}`));
const assignments = ids.map((id, n) => assignment(id, `Quiz ${n + 1}`, n === 5 ? null : 20));
const badges = [{ id: 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa' }, { id: 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb' }, { id: 'cccccccc-cccc-4ccc-8ccc-cccccccccccc' }];
const base = { name: 'Quiz mastery', description: 'Did well.', criteria: 'Quizzes.' };
const row = (rule: unknown) => ({ name: 'N', description: 'D', criteria_narrative: 'C', primary_color: '#101010', alignments: [], valid_for_days: null, rule }) as never;

describe('rule builder rows', () => {
  it('takes any number of score rows, with gaps in their numbering, combined "at least N of"', () => {
    const values: BadgeFormValues = { ...base, ruleMode: 'anyOf', ruleAnyMin: '4' };
    [0, 1, 2, 3, 7, 12].forEach((i, n) => Object.assign(values, { [`ruleAssignment${i}`]: ids[n]!, [`ruleMin${i}`]: String(50 + n), [`ruleUnit${i}`]: 'percent' }));
    const { draft, errors } = parseBadgeForm({ values, assignments, badges });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual({ kind: 'anyOf', min: 4, rules: ids.map((id, n) => ({ kind: 'score', assignmentId: id, minPercent: 50 + n })) });
  });

  it('refuses an "at least N" above the number of conditions, on that field', () => {
    const { errors } = parseBadgeForm({ values: { ...base, ruleMode: 'anyOf', ruleAnyMin: '3', ruleAssignment0: ids[0]!, ruleMin0: '5' }, assignments, badges });
    expect(errors).toEqual({ ruleAnyMin: 'Enter a number from 1 to 1.' });
  });

  it('adds and removes rows through the server-side buttons, keeping what was typed', () => {
    let values: BadgeFormValues = { ...base, ruleAssignment0: ids[0]!, ruleMin0: '80', ruleUnit0: 'percent', formAction: 'add-condition' };
    const added = applyFormAction(values)!;
    expect(added.focus).toBe('ruleAssignment1');
    values = added.values;
    expect(scoreRowIndexes(values)).toEqual([0, 1]);
    values = applyFormAction({ ...values, ruleAssignment1: ids[1]!, ruleMin1: '7', ruleUnit1: 'points', formAction: 'add-condition' })!.values;
    expect(scoreRowIndexes(values)).toEqual([0, 1, 2]);
    values = applyFormAction({ ...values, formAction: 'remove-condition-0' })!.values;
    expect(scoreRowIndexes(values)).toEqual([1, 2]);
    expect(values.formAction).toBeUndefined();
    const view = badgeFormView({ values, errors: {}, assignments, badges: [] });
    expect(view.rows.map((r) => [r.index, r.number, r.min.value, r.removable])).toEqual([[1, 1, '7', true], [2, 2, '', true]]);
    // The empty row is ignored on save; the remaining condition is the one typed in row 1.
    const { draft, errors } = parseBadgeForm({ values, assignments, badges });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual({ kind: 'score', assignmentId: ids[1], minPoints: 7 });
    expect(applyFormAction({ ...values, formAction: 'save' })).toBeUndefined();
  });

  it('adds and removes badges groups and tiers; at most 5 tiers', () => {
    let values = applyFormAction({ formAction: 'add-badges' })!.values;
    values = applyFormAction({ ...values, formAction: 'add-badges' })!.values;
    expect(Object.keys(values).filter((k) => k.startsWith('ruleBadges')).sort()).toEqual(['ruleBadgesMin0', 'ruleBadgesMin1']);
    values = applyFormAction({ ...values, formAction: 'remove-badges-0' })!.values;
    expect(Object.keys(values).filter((k) => k.startsWith('ruleBadges'))).toEqual(['ruleBadgesMin1']);
    let tiers: BadgeFormValues = {};
    for (let n = 0; n < 4; n++) tiers = applyFormAction({ ...tiers, formAction: 'add-tier' })!.values;
    expect(tierIndexes(tiers)).toEqual([0, 1, 2, 3, 4]);
    expect(badgeFormView({ values: tiers, errors: {}, assignments, badges: [] }).canAddTier).toBe(false);
    expect(tierIndexes(applyFormAction({ ...tiers, formAction: 'remove-tier-2' })!.values)).toEqual([0, 1, 3, 4]);
  });

  it('builds several badges-from-badges groups next to score rows', () => {
    const { draft, errors } = parseBadgeForm({
      values: { ...base, ruleAssignment0: ids[0]!, ruleMin0: '70', ruleBadges0: [badges[0]!.id, badges[1]!.id], ruleBadgesMin0: '1', ruleBadges3: badges[2]!.id, ruleBadgesMin3: '', ruleBadgesMin4: '' },
      assignments, badges,
    });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual({ kind: 'allOf', rules: [
      { kind: 'score', assignmentId: ids[0], minPercent: 70 },
      { kind: 'badges', achievementIds: [badges[0]!.id, badges[1]!.id], min: 1 },
      { kind: 'badges', achievementIds: [badges[2]!.id] },
    ] });
  });

  it.each<[string, RuleNode]>([
    ['a single score', { kind: 'score', assignmentId: ids[0]!, minPoints: 12 }],
    ['a single badges rule', { kind: 'badges', achievementIds: [badges[0]!.id, badges[1]!.id], min: 2 }],
    ['all of many rows and two badges groups', { kind: 'allOf', rules: [
      ...ids.map((id, n) => ({ kind: 'score' as const, assignmentId: id, minPercent: 10 * n })),
      { kind: 'badges', achievementIds: [badges[0]!.id] }, { kind: 'badges', achievementIds: [badges[1]!.id, badges[2]!.id], min: 1 },
    ] }],
    ['2 of 3, any-of', { kind: 'anyOf', min: 2, rules: [{ kind: 'score', assignmentId: ids[0]!, minPercent: 60 }, { kind: 'score', assignmentId: ids[1]!, minPoints: 3 }, { kind: 'badges', achievementIds: [badges[0]!.id] }] }],
    ['an all-of group of one condition', { kind: 'allOf', rules: [{ kind: 'score', assignmentId: ids[2]!, minPercent: 40 }] }],
    ['an any-of group of one with its min', { kind: 'anyOf', min: 1, rules: [{ kind: 'badges', achievementIds: [badges[2]!.id] }] }],
    ['an assignment Laurel has not seen yet', { kind: 'allOf', rules: [{ kind: 'score', assignmentId: 'quiz-9', minPercent: 60 }, { kind: 'score', assignmentId: ids[1]!, minPercent: 60 }] }],
  ])('round-trips %s through the edit form unchanged', (_what, rule) => {
    const { values, unsupported } = valuesFromAchievement(row(rule), assignments);
    expect(unsupported).toBe(false);
    const { draft, errors } = parseBadgeForm({ values, assignments, badges, keepAssignmentIds: ['quiz-9'] });
    expect(errors).toEqual({});
    expect(draft!.rule).toEqual(rule);
  });
});

describe('tiers in the badge form', () => {
  const tiered = (tiers: Array<[string, string]>, extra: BadgeFormValues = {}): BadgeFormValues => ({
    ...base, ruleAssignment0: ids[0]!, ruleAssignment1: ids[1]!, tierUnit: 'percent',
    ...Object.fromEntries(tiers.flatMap(([name, min], i) => [[`tierName${i}`, name], [`tierMin${i}`, min]])), ...extra,
  });

  it('makes one rule per tier, each threshold applied to every assignment condition', () => {
    const { draft, errors } = parseBadgeForm({ values: tiered([['Bronze', '60'], ['Silver', '75'], ['Gold', '90']]), assignments, badges });
    expect(errors).toEqual({});
    expect(draft!.rule).toBeUndefined();
    expect(draft!.tiers!.map((t) => [t.name, t.threshold.value])).toEqual([['Bronze', 60], ['Silver', 75], ['Gold', 90]]);
    expect(draft!.tiers![2]!.rule).toEqual({ kind: 'allOf', rules: [{ kind: 'score', assignmentId: ids[0], minPercent: 90 }, { kind: 'score', assignmentId: ids[1], minPercent: 90 }] });
  });

  it('gives field-level messages: thresholds rise strictly, names unique, 2 to 5 tiers, no row thresholds', () => {
    expect(parseBadgeForm({ values: tiered([['Bronze', '60'], ['Silver', '60'], ['bronze', '90']]), assignments, badges }).errors)
      .toEqual({ tierMin1: 'Must be higher than the Bronze tier (60).', tierName2: 'Each tier needs a different name.' });
    expect(parseBadgeForm({ values: tiered([['Only', '60']]), assignments, badges }).errors).toEqual({ tiers: 'A tiered badge has 2 to 5 tiers.' });
    expect(parseBadgeForm({ values: tiered([['A', '10'], ['B', '30']], { ruleMin1: '50' }), assignments, badges }).errors).toEqual({ ruleMin1: 'With tiers, leave this empty: each tier sets the threshold.' });
    expect(parseBadgeForm({ values: tiered([['A', '10'], ['B', '30']], { tierUnit: 'points' }), assignments, badges }).errors).toEqual({ tierMin1: 'The assignments are worth 20 points.' });
    expect(parseBadgeForm({ values: tiered([['A', '10'], ['', '30']], { ruleAssignment0: '', ruleAssignment1: '' }), assignments, badges }).errors)
      .toEqual({ tiers: 'Tiers need at least one assignment condition above: each tier sets its threshold.' });
  });

  it('shows the tier errors next to their fields and opens the tiers section', () => {
    const values = tiered([['Bronze', '60'], ['Silver', '50']]);
    const { errors } = parseBadgeForm({ values, assignments, badges });
    const view = badgeFormView({ values, errors, assignments, badges: [] });
    expect(view.tiersOpen).toBe(true);
    expect(view.tiers[1]!.min).toEqual({ value: '50', error: 'Must be higher than the Bronze tier (60).' });
    expect(view.errorList).toEqual([{ field: 'tierMin1', message: 'Must be higher than the Bronze tier (60).' }]);
  });
});
