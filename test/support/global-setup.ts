import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { resetSecuritySummary } from '../security/report';

/** Starts the local PostgreSQL and Redis when they are down (idempotent, quick when they run). */
export default function globalSetup(): void {
  resetSecuritySummary();
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'services.sh'), 'ensure'], { stdio: 'inherit' });
}
