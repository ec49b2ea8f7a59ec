import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The attack suite's tally: each test file records how many cases it tried, how many were refused
 * as expected and how many failed; test/security/report.ts prints the table (jest globalTeardown or
 * `node` after the run). Lines go to a file because jest runs test files in separate workers.
 */
export interface Tally {
  tried: number;
  refused: number;
  failures: number;
}

export const SUMMARY_FILE = join(process.env.LAUREL_SECURITY_SUMMARY_DIR ?? join(__dirname, '..', '..', '.security-summary'), 'summary.jsonl');

export function record(name: string, tally: Tally): void {
  mkdirSync(join(SUMMARY_FILE, '..'), { recursive: true });
  appendFileSync(SUMMARY_FILE, `${JSON.stringify({ name, ...tally })}\n`);
}
