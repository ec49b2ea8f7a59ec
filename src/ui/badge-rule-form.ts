import type { AchievementRow } from '../badges';
import type { Assignment } from '../courses';
import { aliasesOf } from '../events';
import { checkTiers, MAX_RULE_CHILDREN, MAX_TIERS, parseRuleNode, tierRule, type RuleNode, type Threshold } from '../rules';

/**
 * The rule part of the badge form: any number of score conditions ("at least N% / N points on
 * assignment X"), any number of badges-from-badges groups, combined all-of or any-of (at least N),
 * and optional tiers (Bronze / Silver / Gold) that each set the threshold of every score condition.
 *
 * Field names carry an index (`ruleAssignment3`, `ruleBadges1`, `tierName2`); indices need not be
 * contiguous (a row removed in the browser leaves a gap), so rows are found by scanning the names.
 */

export type FormValues = Record<string, string | string[]>;
export type FieldErrors = Record<string, string>;

/** Most score rows and badges groups the form accepts (the rule schema allows 100 children in all). */
export const MAX_SCORE_ROWS = 50;
export const MAX_BADGE_GROUPS = 10;
const MAX_INDEX = 999;

export interface TierDraft {
  /** The tier's achievement when it exists already (edit); checked against the group by the use-case. */
  achievementId?: string;
  name: string;
  threshold: Threshold;
  rule: RuleNode;
}

export const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
export const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function indexes(values: FormValues, pattern: RegExp, fallback: number[]): number[] {
  const found = new Set<number>();
  for (const key of Object.keys(values)) {
    const match = pattern.exec(key);
    if (match && Number(match[1]) <= MAX_INDEX) found.add(Number(match[1]));
  }
  return found.size === 0 ? fallback : [...found].sort((a, b) => a - b);
}

/** Indices of the score rows shown (one empty row on a new form). */
export const scoreRowIndexes = (values: FormValues) => indexes(values, /^rule(?:Assignment|Min|Unit)(\d+)$/, [0]).slice(0, MAX_SCORE_ROWS);
/** Indices of the badges-from-badges groups shown (none until added). */
export const badgeGroupIndexes = (values: FormValues) => indexes(values, /^ruleBadges(?:Min)?(\d+)$/, []).slice(0, MAX_BADGE_GROUPS);
/** Indices of the tier rows shown (three empty rows, Bronze/Silver/Gold-sized, on a new form). */
export const tierIndexes = (values: FormValues) => indexes(values, /^tier(?:Name|Min|Id)(\d+)$/, [0, 1, 2]).slice(0, MAX_TIERS);

const ROW_FIELDS = ['ruleAssignment', 'ruleMin', 'ruleUnit'];
const GROUP_FIELDS = ['ruleBadges', 'ruleBadgesMin'];
const TIER_FIELDS = ['tierName', 'tierMin', 'tierId'];

/**
 * The "Add condition" / "Remove" buttons post the whole form with `formAction`; the server answers the
 * same form with one row more or less, so the builder works without JavaScript. Returns undefined
 * for a plain save.
 */
export function applyFormAction(values: FormValues): { values: FormValues; focus?: string } | undefined {
  const action = one(values.formAction);
  if (!action || action === 'save') return undefined;
  const out: FormValues = { ...values };
  delete out.formAction;
  let focus: string | undefined;
  const materialise = (shown: number[], fields: string[]) => {
    for (const i of shown) if (!fields.some((f) => `${f}${i}` in out)) out[`${fields[0]}${i}`] = '';
  };
  const add = (shown: number[], fields: string[], max: number) => {
    materialise(shown, fields);
    if (shown.length >= max) return;
    const next = shown.length === 0 ? 0 : Math.max(...shown) + 1;
    out[`${fields[1]}${next}`] = '';
    focus = `${fields[0]}${next}`;
  };
  const remove = (shown: number[], fields: string[], index: number) => {
    materialise(shown, fields);
    for (const f of fields) delete out[`${f}${index}`];
  };
  const removal = /^remove-(condition|badges|tier)-(\d{1,3})$/.exec(action);
  if (action === 'add-condition') add(scoreRowIndexes(values), ROW_FIELDS, MAX_SCORE_ROWS);
  else if (action === 'add-badges') add(badgeGroupIndexes(values), GROUP_FIELDS, MAX_BADGE_GROUPS);
  else if (action === 'add-tier') add(tierIndexes(values), TIER_FIELDS, MAX_TIERS);
  else if (removal?.[1] === 'condition') remove(scoreRowIndexes(values), ROW_FIELDS, Number(removal[2]));
  else if (removal?.[1] === 'badges') remove(badgeGroupIndexes(values), GROUP_FIELDS, Number(removal[2]));
  else if (removal?.[1] === 'tier') remove(tierIndexes(values), TIER_FIELDS, Number(removal[2]));
  return { values: out, ...(focus ? { focus } : {}) };
}

interface RuleSectionProps {
  values: FormValues;
  assignments: readonly Assignment[];
  badges: readonly Pick<AchievementRow, 'id'>[];
  /** Assignment ids the current rule already names that Laurel has not seen yet (kept on edit). */
  keepAssignmentIds?: readonly string[];
}

/** Parses the rule section into one rule, or a rule per tier. Problems go into `errors` by field name. */
export function parseRuleSection(props: RuleSectionProps, errors: FieldErrors): { rule?: RuleNode; tiers?: TierDraft[] } {
  const { values } = props;
  const tierRows = tierIndexes(values)
    .map((i) => ({ i, name: one(values[`tierName${i}`]).trim(), raw: one(values[`tierMin${i}`]).trim(), id: one(values[`tierId${i}`]).trim() }))
    .filter((t) => t.name || t.raw);
  const tiered = tierRows.length > 0;
  const nodes: RuleNode[] = [];
  const used: Assignment[] = [];
  for (const i of scoreRowIndexes(values)) {
    const assignmentId = one(values[`ruleAssignment${i}`]);
    const rawMin = one(values[`ruleMin${i}`]).trim();
    const unit = one(values[`ruleUnit${i}`]) === 'points' ? 'points' : 'percent';
    if (!assignmentId && !rawMin) continue;
    const assignment = props.assignments.find((a) => a.id === assignmentId);
    if (!assignment && !(assignmentId && props.keepAssignmentIds?.includes(assignmentId))) { errors[`ruleAssignment${i}`] = 'Choose an assignment of this course.'; continue; }
    if (assignment) used.push(assignment);
    if (tiered) {
      // The tiers set every threshold; a number here would silently be ignored, so say so.
      if (rawMin !== '') errors[`ruleMin${i}`] = 'With tiers, leave this empty: each tier sets the threshold.';
      else nodes.push({ kind: 'score', assignmentId, minPercent: 0 });
      continue;
    }
    const min = Number(rawMin);
    const max = assignment?.points_possible == null ? undefined : Number(assignment.points_possible);
    if (rawMin === '' || !Number.isFinite(min) || min < 0) errors[`ruleMin${i}`] = 'Enter a threshold of 0 or more.';
    else if (unit === 'percent' && min > 100) errors[`ruleMin${i}`] = 'A percentage is at most 100.';
    else if (unit === 'points' && max !== undefined && min > max) errors[`ruleMin${i}`] = `This assignment is worth ${max} points.`;
    else nodes.push(unit === 'percent' ? { kind: 'score', assignmentId, minPercent: min } : { kind: 'score', assignmentId, minPoints: min });
  }
  const scoreCount = nodes.length;
  for (const g of badgeGroupIndexes(values)) {
    const ids = [...new Set(many(values[`ruleBadges${g}`]).filter((id) => props.badges.some((b) => b.id === id)))];
    const rawMin = one(values[`ruleBadgesMin${g}`]).trim();
    if (ids.length === 0) {
      if (rawMin) errors[`ruleBadgesMin${g}`] = 'Tick at least one badge, or remove this group.';
      continue;
    }
    const min = Number(rawMin);
    if (rawMin !== '' && (!Number.isInteger(min) || min < 1 || min > ids.length)) errors[`ruleBadgesMin${g}`] = `Enter a number from 1 to ${ids.length}.`;
    else nodes.push({ kind: 'badges', achievementIds: ids, ...(rawMin === '' ? {} : { min }) });
  }
  if (nodes.length > MAX_RULE_CHILDREN) errors.ruleMode = `Use at most ${MAX_RULE_CHILDREN} conditions.`;
  const mode = one(values.ruleMode) === 'anyOf' ? 'anyOf' : 'allOf';
  const rawAnyMin = one(values.ruleAnyMin).trim();
  let anyMin: number | undefined;
  if (mode === 'anyOf' && rawAnyMin !== '') {
    anyMin = Number(rawAnyMin);
    if (!Number.isInteger(anyMin) || anyMin < 1 || anyMin > Math.max(nodes.length, 1)) errors.ruleAnyMin = `Enter a number from 1 to ${Math.max(nodes.length, 1)}.`;
  }
  if (tiered && scoreCount === 0 && !Object.keys(errors).some((k) => k.startsWith('rule'))) errors.tiers = 'Tiers need at least one assignment condition above: each tier sets its threshold.';
  if (nodes.length === 0 || Object.keys(errors).length > 0) return {};
  // A group of one condition is kept as a group only when the rule read back was one (API round trip).
  const single = nodes.length === 1 && anyMin === undefined && one(values.ruleKeepGroup) !== '1';
  const base: RuleNode = single ? nodes[0]! : { kind: mode, rules: nodes, ...(anyMin === undefined ? {} : { min: anyMin }) };
  if (!tiered) return validated(base, errors) ? { rule: base } : {};

  const unit = one(values.tierUnit) === 'points' ? 'points' : 'percent';
  const specs = tierRows.map((t) => ({ name: t.name, threshold: { unit, value: t.raw === '' ? Number.NaN : Number(t.raw) } as Threshold }));
  const points = used.map((a) => (a.points_possible == null ? Number.NaN : Number(a.points_possible))).filter(Number.isFinite);
  for (const problem of checkTiers(specs, points.length ? { maxPoints: Math.min(...points) } : {})) {
    const key = problem.index === undefined ? 'tiers' : `${problem.field === 'name' ? 'tierName' : 'tierMin'}${tierRows[problem.index]!.i}`;
    errors[key] ??= problem.message;
  }
  if (Object.keys(errors).length > 0) return {};
  const tiers = tierRows.map((t, k) => {
    const rule = tierRule(base, specs[k]!.threshold);
    return { ...(t.id ? { achievementId: t.id } : {}), name: t.name, threshold: specs[k]!.threshold, rule };
  });
  return tiers.every((t) => validated(t.rule, errors)) ? { tiers } : {};
}

function validated(node: RuleNode, errors: FieldErrors): boolean {
  try {
    parseRuleNode(node);
    return true;
  } catch {
    errors.ruleMode = 'This rule is not valid: check the conditions.';
    return false;
  }
}

/**
 * Form values that show a rule in the builder. `unsupported` when the builder cannot show it
 * exactly (groups nested in groups, or more rows than the form takes); saving would replace it.
 */
export function valuesFromRule(rule: RuleNode, assignments: readonly Assignment[], options: { withThresholds?: boolean } = {}): { values: FormValues; unsupported: boolean } {
  // Rules written through the API may name an assignment by the LMS's or the caller's id.
  const known = (id: string) => assignments.find((a) => a.id === id || aliasesOf(a.source_key).includes(id) || a.source_key.endsWith(`:${id}`))?.id;
  const values: FormValues = {};
  const group = rule.kind === 'allOf' || rule.kind === 'anyOf';
  const children = group ? rule.rules : [rule];
  values.ruleMode = rule.kind === 'anyOf' ? 'anyOf' : 'allOf';
  if (rule.kind === 'anyOf' && rule.min !== undefined) values.ruleAnyMin = String(rule.min);
  if (group && rule.rules.length === 1) values.ruleKeepGroup = '1';
  const scores = children.filter((c) => c.kind === 'score');
  const badges = children.filter((c) => c.kind === 'badges');
  const unsupported = scores.length + badges.length !== children.length || scores.length > MAX_SCORE_ROWS || badges.length > MAX_BADGE_GROUPS;
  scores.slice(0, MAX_SCORE_ROWS).forEach((c, i) => {
    values[`ruleAssignment${i}`] = known(c.assignmentId) ?? c.assignmentId;
    values[`ruleMin${i}`] = options.withThresholds === false ? '' : String(c.minPercent ?? c.minPoints ?? '');
    values[`ruleUnit${i}`] = c.minPoints !== undefined ? 'points' : 'percent';
  });
  if (scores.length === 0) values.ruleAssignment0 = '';
  badges.slice(0, MAX_BADGE_GROUPS).forEach((c, g) => {
    values[`ruleBadges${g}`] = c.achievementIds;
    values[`ruleBadgesMin${g}`] = c.min === undefined ? '' : String(c.min);
  });
  return { values, unsupported };
}
