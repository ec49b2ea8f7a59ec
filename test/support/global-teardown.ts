import { resetSecuritySummary, securitySummaryTable } from '../security/report';

/** After the whole run: the attack suite's summary table (cases tried, refused as expected, failures). */
export default function globalTeardown(): void {
  const table = securitySummaryTable();
  if (table) process.stdout.write(`${table}\n`);
  resetSecuritySummary();
}
