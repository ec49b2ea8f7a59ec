import type { AchievementRow } from '../badges';
import type { Assignment } from '../courses';
import { RULE_ROWS, SHAPES, type BadgeFormValues, type FieldErrors } from './badge-form';

/** View model of the badge form: each field's value and message, rule rows with their options. */

export interface FieldView {
  value: string;
  error?: string;
}

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? '';

const TEXT_FIELDS = ['name', 'description', 'criteria', 'color', 'initials', 'alignName', 'alignUrl', 'alignFramework', 'alignCode', 'validForDays', 'ruleBadgesMin', 'imageFile', 'ruleMode'] as const;

export function badgeFormView(props: { values: BadgeFormValues; errors: FieldErrors; assignments: readonly Assignment[]; badges: readonly AchievementRow[] }) {
  const { values, errors } = props;
  const fields = Object.fromEntries(TEXT_FIELDS.map((name) => [name, { value: one(values[name]), error: errors[name] } satisfies FieldView]));
  if (!fields.color!.value) fields.color!.value = '#1d5e3a';
  const shape = one(values.shape) || 'circle';
  const mode = one(values.ruleMode) || 'allOf';
  const imageMode = one(values.imageMode) || 'generated';
  const chosenBadges = new Set(Array.isArray(values.ruleBadges) ? values.ruleBadges : values.ruleBadges ? [values.ruleBadges] : []);
  const rows = Array.from({ length: RULE_ROWS }, (_, i) => {
    const selected = one(values[`ruleAssignment${i}`]);
    const unit = one(values[`ruleUnit${i}`]) || 'percent';
    return {
      index: i,
      number: i + 1,
      assignments: props.assignments.map((a) => ({ id: a.id, name: a.name, points: a.points_possible === null ? null : Number(a.points_possible), selected: a.id === selected })),
      min: { value: one(values[`ruleMin${i}`]), error: errors[`ruleMin${i}`] },
      assignmentError: errors[`ruleAssignment${i}`],
      percent: unit === 'percent',
      points: unit === 'points',
    };
  });
  return {
    fields,
    shapes: SHAPES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1), checked: s === shape })),
    allOf: mode === 'allOf',
    anyOf: mode === 'anyOf',
    generated: imageMode === 'generated',
    upload: imageMode === 'upload',
    keep: imageMode === 'keep',
    rows,
    badges: props.badges.filter((b) => b.status === 'published').map((b) => ({ id: b.id, name: b.name, checked: chosenBadges.has(b.id) })),
    errorCount: Object.keys(errors).length,
    errorList: Object.entries(errors).map(([field, message]) => ({ field: field === 'imageFile' ? 'imageFile' : field, message })),
    previewQuery: new URLSearchParams({ name: one(values.name) || 'Badge', color: fields.color!.value, shape, initials: fields.initials!.value }).toString(),
  };
}
