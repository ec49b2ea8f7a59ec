import { z } from 'zod';
import type { Assignment } from '../courses';
import type { AlignmentValue, AchievementRow } from '../badges';
import { defaultBadgeSvg, type BadgeShape } from '../credentials';
import { LaurelError } from '../errors';
import { checkBadgeImage } from '../images';
import { type TierBadgeBase, type TierGroup } from '../publishing';
import { sameShape, type RuleNode } from '../rules';
import { one, parseRuleSection, valuesFromRule, type FieldErrors, type FormValues, type TierDraft } from './badge-rule-form';

/**
 * The "Create badge" form: text fields in, either a valid draft achievement out or field-level
 * messages to show next to each input (the page is re-rendered with what the instructor typed).
 */

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
});

export type BadgeFormValues = FormValues;
export type { FieldErrors, TierDraft };

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
  /** A tiered badge: one achievement per tier, named "<name>: <tier>", each with its own rule. */
  tiers?: TierDraft[];
}


/** Parses the posted form. Returns the draft, or the errors by field name. */
export function parseBadgeForm(props: {
  values: BadgeFormValues;
  file?: { bytes: Buffer };
  assignments: readonly Assignment[];
  badges: readonly Pick<AchievementRow, 'id'>[];
  keepAssignmentIds?: readonly string[];
}): { draft?: BadgeDraft; errors: FieldErrors } {
  const errors: FieldErrors = {};
  const flat: Record<string, string> = Object.fromEntries(Object.entries(props.values).filter(([k]) => k in badgeFormSchema.shape).map(([k, v]) => [k, one(v)]));
  // Absent and empty are the same to a person filling the form: both get the "Enter ..." message.
  for (const key of ['name', 'description', 'criteria']) flat[key] ??= '';
  const parsed = badgeFormSchema.safeParse(flat);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  const { rule, tiers } = parseRuleSection(props, errors);
  const f = parsed.success ? parsed.data : undefined;
  const longestTier = Math.max(0, ...(tiers ?? []).map((t) => t.name.length));
  if (f && tiers && f.name.length + 2 + longestTier > 200) errors.name ??= `With tier names the badge name must be at most ${198 - longestTier} characters.`;
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
      ...(tiers ? { tiers } : {}),
    },
    errors,
  };
}

/**
 * The form values that show an existing badge (for editing). Rules the builder cannot show exactly
 * (groups nested in groups) come back with `unsupported`.
 */
export function valuesFromAchievement(row: AchievementRow, assignments: readonly Assignment[]): { values: BadgeFormValues; unsupported: boolean } {
  const alignment = row.alignments[0];
  const values: BadgeFormValues = {
    name: row.name, description: row.description, criteria: row.criteria_narrative, imageMode: 'keep',
    color: row.primary_color ?? '#1d5e3a',
    alignName: alignment?.targetName ?? '', alignUrl: alignment?.targetUrl ?? '', alignFramework: alignment?.targetFramework ?? '', alignCode: alignment?.targetCode ?? '',
    validForDays: row.valid_for_days === null ? '' : String(row.valid_for_days),
  };
  const rule = row.rule as RuleNode | null;
  if (rule === null) return { values, unsupported: false };
  const fromRule = valuesFromRule(rule, assignments);
  return { values: { ...values, ...fromRule.values }, unsupported: fromRule.unsupported };
}

/** The edit form of a tiered badge: shared fields and conditions from the lowest tier, one tier row per achievement. */
export function valuesFromTierGroup(group: TierGroup, assignments: readonly Assignment[]): { values: BadgeFormValues; unsupported: boolean } {
  const lowest = group.tiers[0]!.achievement;
  const { values, unsupported } = valuesFromAchievement(lowest, assignments);
  values.name = group.name;
  // The tiers set the thresholds; the condition rows only name the assignments.
  for (const key of Object.keys(values)) if (/^ruleMin\d+$/.test(key)) values[key] = '';
  values.tierUnit = group.tiers[0]!.threshold?.unit ?? 'percent';
  group.tiers.forEach((t, i) => {
    values[`tierId${i}`] = t.achievement.id;
    values[`tierName${i}`] = t.tierName;
    values[`tierMin${i}`] = t.threshold ? String(t.threshold.value) : '';
  });
  const first = lowest.rule as RuleNode | null;
  const odd = group.tiers.some((t) => !t.threshold || !first || !t.achievement.rule || !sameShape(first, t.achievement.rule as RuleNode));
  return { values, unsupported: unsupported || odd };
}

/** What every tier shares, from a parsed form. */
export function tierBaseOf(draft: BadgeDraft): TierBadgeBase {
  return {
    description: draft.description, criteriaNarrative: draft.criteriaNarrative, alignments: draft.alignments, colors: draft.colors,
    validForDays: draft.validForDays ?? null, ...(draft.image ? { image: draft.image } : {}),
  };
}
