import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { resetSecuritySummary } from '../security/report';
import { DEFAULT_OFFLINE_DIR, DEFAULT_STANDARDS_DIR, fetchStandards, loadStandards } from '../../src/standards';

/**
 * Starts the local PostgreSQL and Redis when they are down (idempotent, quick when they run), and makes
 * sure the standards data cache is filled as `npm run setup` does (already there: nothing happens).
 */
export default async function globalSetup(): Promise<void> {
  resetSecuritySummary();
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'services.sh'), 'ensure'], { stdio: 'inherit' });
  if (!loadStandards(DEFAULT_STANDARDS_DIR).available) {
    const outcomes = await fetchStandards({ dir: DEFAULT_STANDARDS_DIR, offlineDir: DEFAULT_OFFLINE_DIR });
    const failed = outcomes.filter((o) => !o.ok);
    if (failed.length) process.stderr.write(`[laurel] standards data incomplete (schema checks will say "not checked"): ${failed[0]!.detail}\n`);
  }
}
