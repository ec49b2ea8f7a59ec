import { existsSync, readFileSync, rmSync } from 'node:fs';
import { SUMMARY_FILE, type Tally } from './summary';

/** Forgets the tallies of an earlier run (jest globalSetup). */
export function resetSecuritySummary(): void {
  rmSync(SUMMARY_FILE, { force: true });
}

/** The attack suite's table: one line per attack family, then the totals. Empty when no security test ran. */
export function securitySummaryTable(): string {
  if (!existsSync(SUMMARY_FILE)) return '';
  const rows = new Map<string, Tally>();
  for (const line of readFileSync(SUMMARY_FILE, 'utf8').split('\n').filter(Boolean)) {
    const { name, ...tally } = JSON.parse(line) as Tally & { name: string };
    const seen = rows.get(name) ?? { tried: 0, refused: 0, failures: 0 };
    rows.set(name, { tried: seen.tried + tally.tried, refused: seen.refused + tally.refused, failures: seen.failures + tally.failures });
  }
  const total = [...rows.values()].reduce((sum, t) => ({ tried: sum.tried + t.tried, refused: sum.refused + t.refused, failures: sum.failures + t.failures }), { tried: 0, refused: 0, failures: 0 });
  const width = Math.max(...[...rows.keys()].map((k) => k.length), 'total'.length);
  const row = (name: string, t: Tally) => `${name.padEnd(width)}  ${String(t.tried).padStart(7)}  ${String(t.refused).padStart(19)}  ${String(t.failures).padStart(8)}`;
  return [
    '',
    'Laurel attack suite (test/security)',
    `${'attack'.padEnd(width)}  ${'  tried'}  ${'refused as expected'}  failures`,
    ...[...rows.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => row(name, t)),
    row('total', total),
    '',
  ].join('\n');
}
