import type { AchievementRow } from '../badges';
import type { Assignment } from '../courses';
import { MAX_TIERS } from '../rules';
import { SHAPES, type BadgeFormValues, type FieldErrors } from './badge-form';
import { badgeGroupIndexes, many, MAX_BADGE_GROUPS, MAX_SCORE_ROWS, one, scoreRowIndexes, tierIndexes } from './badge-rule-form';

/** View model of the badge form: each field's value and message, rule rows, badges groups and tiers with their options. */

export interface FieldView {
  value: string;
  error?: string;
}

const TEXT_FIELDS = ['name', 'description', 'criteria', 'color', 'initials', 'alignName', 'alignUrl', 'alignFramework', 'alignCode', 'validForDays', 'imageFile', 'ruleMode', 'ruleAnyMin', 'tiers'] as const;

/** `focus`: the field a server-side "Add" just created (rendered with `autofocus`, so keyboard users land in it without script). */
export function badgeFormView(props: { values: BadgeFormValues; errors: FieldErrors; assignments: readonly Assignment[]; badges: readonly AchievementRow[]; focus?: string }) {
  const { values, errors } = props;
  const field = (name: string): FieldView => ({ value: one(values[name]), ...(errors[name] ? { error: errors[name] } : {}) });
  const fields = Object.fromEntries(TEXT_FIELDS.map((name) => [name, field(name)]));
  if (!fields.color!.value) fields.color!.value = '#1d5e3a';
  const shape = one(values.shape) || 'circle';
  const mode = one(values.ruleMode) || 'allOf';
  const imageMode = one(values.imageMode) || 'generated';
  const rowIndexes = scoreRowIndexes(values);
  const rows = rowIndexes.map((i, position) => {
    const selected = one(values[`ruleAssignment${i}`]);
    const unit = one(values[`ruleUnit${i}`]) || 'percent';
    const options = props.assignments.map((a) => ({ id: a.id, name: a.name, points: a.points_possible === null ? null : Number(a.points_possible), selected: a.id === selected }));
    // An id from a rule written through the API that Laurel has not seen yet: kept, and labelled as such.
    if (selected && !options.some((o) => o.selected)) options.push({ id: selected, name: `${selected} (no grade seen yet)`, points: null, selected: true });
    return {
      index: i,
      number: position + 1,
      assignments: options,
      min: field(`ruleMin${i}`),
      assignmentError: errors[`ruleAssignment${i}`],
      percent: unit === 'percent',
      points: unit === 'points',
      removable: rowIndexes.length > 1,
      autofocus: props.focus === `ruleAssignment${i}`,
    };
  });
  const published = props.badges.filter((b) => b.status === 'published');
  const badgeGroups = badgeGroupIndexes(values).map((g, position) => {
    const chosen = new Set(many(values[`ruleBadges${g}`]));
    return {
      index: g,
      number: position + 1,
      badges: props.badges.filter((b) => b.status === 'published' || chosen.has(b.id)).map((b) => ({ id: b.id, name: b.name, checked: chosen.has(b.id) })),
      minId: `ruleBadgesMin${g}`,
      autofocus: props.focus === `ruleBadges${g}`,
      min: field(`ruleBadgesMin${g}`),
    };
  });
  const shownTiers = tierIndexes(values);
  const tiers = shownTiers.map((i, position) => ({
    index: i,
    number: position + 1,
    name: field(`tierName${i}`),
    min: field(`tierMin${i}`),
    id: one(values[`tierId${i}`]),
    autofocus: props.focus === `tierName${i}`,
    placeholder: ['Bronze', 'Silver', 'Gold', 'Platinum', 'Diamond'][position] ?? '',
  }));
  const tierUnit = one(values.tierUnit) || 'percent';
  return {
    fields,
    shapes: SHAPES.map((s) => ({ value: s, label: s[0]!.toUpperCase() + s.slice(1), checked: s === shape })),
    allOf: mode === 'allOf',
    anyOf: mode === 'anyOf',
    generated: imageMode === 'generated',
    upload: imageMode === 'upload',
    keep: imageMode === 'keep',
    keepGroup: one(values.ruleKeepGroup) === '1',
    rows,
    canAddRow: rows.length < MAX_SCORE_ROWS,
    badgeGroups,
    canAddBadges: published.length > 0 && badgeGroups.length < MAX_BADGE_GROUPS,
    tiers,
    canAddTier: tiers.length < MAX_TIERS,
    tierPercent: tierUnit === 'percent',
    tierPoints: tierUnit === 'points',
    tiersOpen: tiers.some((t) => t.name.value || t.min.value) || Object.keys(errors).some((k) => k.startsWith('tier')),
    errorCount: Object.keys(errors).length,
    errorList: Object.entries(errors).map(([field, message]) => ({ field: anchorOf(field), message })),
    previewQuery: new URLSearchParams({ name: one(values.name) || 'Badge', color: fields.color!.value, shape, initials: fields.initials!.value }).toString(),
  };
}

// Error summary links go to the input that holds the problem.
function anchorOf(field: string): string {
  if (field === 'ruleMode') return 'ruleMode-allOf';
  return field;
}
