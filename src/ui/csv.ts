import type { AwardListItem } from '../badges';

/**
 * CSV of a badge's awards for spreadsheets. Cells that a spreadsheet would read as a formula
 * (=, +, -, @, tab, CR) are prefixed with an apostrophe: names come from the LMS and could be hostile.
 */
export function awardsCsv(awards: readonly AwardListItem[], baseUrl: string): string {
  const header = ['name', 'email', 'status', 'awarded_at', 'score_percent', 'credential_url'];
  const lines = awards.map((a) => [a.learner.name ?? '', a.learner.email ?? '', a.status, a.awardedAt.toISOString(), a.score === null ? '' : String(a.score), a.credentialId ? `${baseUrl}/credentials/${a.credentialId}` : '']);
  return [header, ...lines].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
