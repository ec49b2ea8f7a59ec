import { z } from 'zod';
import type { Assignment } from '../courses';
import type { AlignmentValue, AchievementRow } from '../badges';
import { defaultBadgeSvg, type BadgeShape } from '../credentials';
import { LaurelError } from '../errors';
import { checkBadgeImage } from '../publishing';
import { parseRuleNode, type RuleNode } from '../rules';

/**
 * The "Create badge" form: text fields in, either a valid draft achievement out or field-level
 * messages to show next to each input (the page is re-rendered with what the instructor typed).
 */

export const RULE_ROWS = 3;
export const SHAPES: BadgeShape[] = ['circle', 'hexagon', 'shield'];

const text = (max: number) => z.string().trim().max(max, `Use at most ${max} characters.`);
const required = (max: number, what: string) => text(max).min(1, `Enter ${what}.`);

export const badgeFormSchema = z.object({
  name: required(200, 'a name'),
  description: required(4000, 'a description'),
  criteria: required(8000, 'the criteria learners must meet'),
  imageMode: z.enum(['generated', 'upload', 'keep']).default('generated'),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'Choose a colour like #1d5e3a.').default('#1d5e3a'),
  shape: z.enum(['circle', 'hexagon', 'shield']).default('circle'),
  initials: z.string().trim().regex(/^[A-Za-z0-9]{0,3}$/, 'Use up to 3 letters or digits.').default(''),
  alignName: text(300).default(''),
  alignUrl: z.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'Enter a web address starting with https://.' }).max(2000)]).default(''),
  alignFramework: text(300).default(''),
  alignCode: text(100).default(''),
  validForDays: z.union([z.literal(''), z.coerce.number({ message: 'Enter a number of days.' }).int('Enter whole days.').min(1, 'At least 1 day.').max(36500, 'At most 36500 days.')]).default(''),
  ruleMode: z.enum(['allOf', 'anyOf']).default('allOf'),
  ruleBadgesMin: z.union([z.literal(''), z.coerce.number().int().min(1, 'At least 1.')]).default(''),
});

export type BadgeFormValues = Record<string, string | string[]>;
export type FieldErrors = Record<string, string>;

export interface BadgeDraft {
  name: string;
  description: string;
  criteriaNarrative: string;
  /** Absent when the instructor keeps the current image (edit). */
  image?: string;
  colors: { primary: string };
  alignments: AlignmentValue[];
  validForDays?: number;
  rule?: RuleNode;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';
const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Parses the posted form. Returns the draft, or the errors by field name. */
export function parseBadgeForm(props: {
  values: BadgeFormValues;
  file?: { bytes: Buffer };
  assignments: readonly Assignment[];
  badges: readonly Pick<AchievementRow, 'id'>[];
}): { draft?: BadgeDraft; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const flat: Record<string, string> = Object.fromEntries(Object.entries(props.values).filter(([k]) => k in badgeFormSchema.shape).map(([k, v]) => [k, one(v)]));
  // Absent and empty are the same to a person filling the form: both get the "Enter ..." message.
  for (const key of ['name', 'description', 'criteria']) flat[key] ??= '';
  const parsed = badgeFormSchema.safeParse(flat);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  const rule = parseRuleRows(props, parsed.success ? parsed.data.ruleMode : 'allOf', errors);
  const f = parsed.success ? parsed.data : undefined;
  if (f && (f.alignName || f.alignUrl || f.alignFramework || f.alignCode)) {
    if (!f.alignName) errors.alignName = 'Enter the skill or competency name.';
    if (!f.alignUrl) errors.alignUrl = 'Enter the web address that describes the skill.';
  }
  let image: string | undefined;
  if (f?.imageMode === 'upload') {
    if (!props.file) errors.imageFile = 'Choose a PNG or SVG file, or use the generated design.';
    else {
      try {
        const checked = checkBadgeImage(props.file.bytes);
        image = `data:${checked.mime};base64,${checked.bytes.toString('base64')}`;
      } catch (error) {
        if (!(error instanceof LaurelError)) throw error;
        errors.imageFile = error.message;
      }
    }
  } else if (f && f.imageMode === 'generated') {
    image = `data:image/svg+xml;base64,${Buffer.from(defaultBadgeSvg({ name: f.name, color: f.color, shape: f.shape, ...(f.initials ? { initials: f.initials } : {}) })).toString('base64')}`;
  }
  if (!f || (!image && f.imageMode !== 'keep') || Object.keys(errors).length > 0) return { errors };
  const alignments: AlignmentValue[] = f.alignName ? [{ targetName: f.alignName, targetUrl: f.alignUrl, ...(f.alignFramework ? { targetFramework: f.alignFramework } : {}), ...(f.alignCode ? { targetCode: f.alignCode } : {}) }] : [];
  return {
    draft: {
      name: f.name, description: f.description, criteriaNarrative: f.criteria, ...(image ? { image } : {}), colors: { primary: f.color }, alignments,
      ...(f.validForDays === '' ? {} : { validForDays: f.validForDays }),
      ...(rule ? { rule } : {}),
    },
    errors,
  };
}

/** Rule rows ("at least N% / N points on assignment X") and "N of these badges", combined all-of or any-of. */
function parseRuleRows(props: { values: BadgeFormValues; assignments: readonly Assignment[]; badges: readonly Pick<AchievementRow, 'id'>[] }, mode: 'allOf' | 'anyOf', errors: FieldErrors): RuleNode | undefined {
  const nodes: RuleNode[] = [];
  for (let i = 0; i < RULE_ROWS; i++) {
    const assignmentId = one(props.values[`ruleAssignment${i}`]);
    const rawMin = one(props.values[`ruleMin${i}`]).trim();
    const unit = one(props.values[`ruleUnit${i}`]) === 'points' ? 'points' : 'percent';
    if (!assignmentId && !rawMin) continue;
    const assignment = props.assignments.find((a) => a.id === assignmentId);
    if (!assignment) { errors[`ruleAssignment${i}`] = 'Choose an assignment of this course.'; continue; }
    const min = Number(rawMin);
    const max = assignment.points_possible === null ? undefined : Number(assignment.points_possible);
    if (rawMin === '' || !Number.isFinite(min) || min < 0) errors[`ruleMin${i}`] = 'Enter a threshold of 0 or more.';
    else if (unit === 'percent' && min > 100) errors[`ruleMin${i}`] = 'A percentage is at most 100.';
    else if (unit === 'points' && max !== undefined && min > max) errors[`ruleMin${i}`] = `This assignment is worth ${max} points.`;
    else nodes.push(unit === 'percent' ? { kind: 'score', assignmentId: assignment.id, minPercent: min } : { kind: 'score', assignmentId: assignment.id, minPoints: min });
  }
  const badgeIds = many(props.values.ruleBadges).filter((id) => props.badges.some((b) => b.id === id));
  if (badgeIds.length > 0) {
    const rawMin = one(props.values.ruleBadgesMin).trim();
    const min = rawMin === '' ? badgeIds.length : Number(rawMin);
    if (!Number.isInteger(min) || min < 1 || min > badgeIds.length) errors.ruleBadgesMin = `Enter a number from 1 to ${badgeIds.length}.`;
    else nodes.push({ kind: 'badges', achievementIds: badgeIds, min });
  }
  if (nodes.length === 0) return undefined;
  const node: RuleNode = nodes.length === 1 ? nodes[0]! : { kind: mode, rules: nodes };
  try {
    return parseRuleNode(node);
  } catch {
    errors.ruleMode = 'This rule is not valid: check the conditions.';
    return undefined;
  }
}

/**
 * The form values that show an existing badge (for editing). Rules the builder cannot show (nested
 * deeper than one all-of/any-of, or more rows than it has) come back with `unsupported`.
 */
export function valuesFromAchievement(row: AchievementRow, assignments: readonly Assignment[]): { values: BadgeFormValues; unsupported: boolean } {
  // Rules written through the API may name an assignment by the LMS's or the caller's id.
  const known = (id: string) => assignments.find((a) => a.id === id || a.source_key === id || a.source_key.endsWith(`:${id}`))?.id;
  const alignment = row.alignments[0];
  const values: BadgeFormValues = {
    name: row.name, description: row.description, criteria: row.criteria_narrative, imageMode: 'keep',
    color: row.primary_color ?? '#1d5e3a',
    alignName: alignment?.targetName ?? '', alignUrl: alignment?.targetUrl ?? '', alignFramework: alignment?.targetFramework ?? '', alignCode: alignment?.targetCode ?? '',
    validForDays: row.valid_for_days === null ? '' : String(row.valid_for_days),
  };
  const rule = row.rule as RuleNode | null;
  if (rule === null) return { values, unsupported: false };
  const children = rule.kind === 'allOf' || rule.kind === 'anyOf' ? rule.rules : [rule];
  values.ruleMode = rule.kind === 'anyOf' ? 'anyOf' : 'allOf';
  const scores = children.filter((c) => c.kind === 'score');
  const badges = children.filter((c) => c.kind === 'badges');
  const unsupported = scores.length + badges.length !== children.length || scores.length > RULE_ROWS || badges.length > 1 || (rule.kind === 'anyOf' && (rule.min ?? 1) !== 1);
  scores.slice(0, RULE_ROWS).forEach((c, i) => {
    values[`ruleAssignment${i}`] = known(c.assignmentId) ?? c.assignmentId;
    values[`ruleMin${i}`] = String(c.minPercent ?? c.minPoints ?? '');
    values[`ruleUnit${i}`] = c.minPoints !== undefined ? 'points' : 'percent';
  });
  if (badges[0]) {
    values.ruleBadges = badges[0].achievementIds;
    values.ruleBadgesMin = badges[0].min === undefined ? '' : String(badges[0].min);
  }
  return { values, unsupported };
}
