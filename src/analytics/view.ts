import { barChart, type BarChart } from './chart';
import { BADGE_KINDS, KIND_LABELS, KINDS, type Kind } from './model';
import type { CourseReport } from './report';

export interface KindView {
  kind: Kind;
  label: string;
  recent: number;
  allTime: number;
  chart: BarChart;
}

/** View model of views/partials/analytics-section.hbs. */
export interface AnalyticsSectionView {
  available: true;
  scope: 'course' | 'badge';
  days: number;
  from: string;
  to: string;
  kinds: KindView[];
  /** Daily numbers for the data table behind the charts (newest first). */
  table: { headers: string[]; rows: Array<{ day: string; cells: number[] }> };
  /** Course scope: one row per badge with its totals over the window. */
  badges?: Array<{ name: string; href: string; cells: number[] }>;
  badgeHeaders?: string[];
}

/** Charts, totals and tables for the course page (every kind, every badge) or one badge (no status lists). */
export function analyticsSection(report: CourseReport, props: { scope: 'course' | 'badge'; badgeHref?: (id: string) => string }): AnalyticsSectionView {
  const kinds = props.scope === 'course' ? [...KINDS] : [...BADGE_KINDS];
  const days = report.daily.map((d) => d.day);
  return {
    available: true,
    scope: props.scope,
    days: report.days,
    from: report.from,
    to: report.to,
    kinds: kinds.map((kind) => ({
      kind,
      label: KIND_LABELS[kind],
      recent: report.totals[kind],
      allTime: report.allTime[kind],
      chart: barChart({ title: KIND_LABELS[kind], days, values: report.daily.map((d) => d[kind]) }),
    })),
    table: {
      headers: kinds.map((k) => KIND_LABELS[k]),
      rows: [...report.daily].reverse().map((d) => ({ day: d.day, cells: kinds.map((k) => d[k]) })),
    },
    ...(props.scope === 'course'
      ? {
          badgeHeaders: BADGE_KINDS.map((k) => KIND_LABELS[k]),
          badges: report.achievements.map((a) => ({ name: a.name, href: props.badgeHref?.(a.id) ?? '', cells: BADGE_KINDS.map((k) => a.totals[k]) })),
        }
      : {}),
  };
}
