import type { AwardListItem } from '../badges';
import { csvText } from '../csv';

/** CSV of a badge's awards for spreadsheets (names come from the LMS: the writer defuses formulas). */
export function awardsCsv(awards: readonly AwardListItem[], baseUrl: string): string {
  const header = ['name', 'email', 'status', 'awarded_at', 'score_percent', 'credential_url'];
  const lines = awards.map((a) => [a.learner.name ?? '', a.learner.email ?? '', a.status, a.awardedAt.toISOString(), a.score === null ? '' : String(a.score), a.credentialId ? `${baseUrl}/credentials/${a.credentialId}` : '']);
  return csvText([header, ...lines]);
}
