// Pure chart geometry for the server-rendered SVG bar charts (views/partials/analytics-chart.hbs).
// The partial draws rectangles from these numbers, so every value reaches the page through
// Handlebars' escaping and the chart needs neither script nor inline style (CSP: style-src 'self').

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BarChart {
  width: number;
  height: number;
  /** Bars for non-zero days only; zero days show as the baseline. */
  bars: Bar[];
  baselineY: number;
  /** The accessible summary: role="img" aria-label. */
  label: string;
  total: number;
}

export interface BarChartProps {
  /** What is counted, e.g. "Downloads". */
  title: string;
  days: readonly string[];
  values: readonly number[];
  /** Pixel width of one bar. Default 6. */
  barWidth?: number;
  /** Pixels between bars. Default 2. */
  gap?: number;
  /** Drawing height. Default 40. */
  height?: number;
}

/** Bars scaled to the busiest day; any non-zero day is at least 2 px tall so it stays visible. */
export function barChart(props: BarChartProps): BarChart {
  const { days, values } = props;
  if (days.length !== values.length) throw new TypeError('days and values must have the same length');
  const barWidth = props.barWidth ?? 6;
  const gap = props.gap ?? 2;
  const height = props.height ?? 40;
  const plot = height - 1;
  const max = Math.max(0, ...values);
  const bars: Bar[] = [];
  values.forEach((value, i) => {
    if (value <= 0) return;
    const h = Math.max(2, Math.round((value / max) * plot));
    bars.push({ x: i * (barWidth + gap), y: plot - h, width: barWidth, height: h });
  });
  const total = values.reduce((sum, v) => sum + v, 0);
  return { width: Math.max(1, days.length * (barWidth + gap) - gap), height, bars, baselineY: plot, label: describe(props.title, days, values, total, max), total };
}

/** "Downloads, 30 days to 2026-11-22: 12 in total, busiest 2026-11-20 with 5, 25 days with none." */
export function describe(title: string, days: readonly string[], values: readonly number[], total: number, max: number): string {
  const span = days.length ? `${days.length} days to ${days[days.length - 1]}` : 'no days';
  if (total === 0) return `${title}, ${span}: none.`;
  const busiest = days[values.indexOf(max)];
  const empty = values.filter((v) => v === 0).length;
  return `${title}, ${span}: ${total} in total, busiest ${busiest} with ${max}, ${empty} day${empty === 1 ? '' : 's'} with none.`;
}
