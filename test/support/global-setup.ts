import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Starts the local PostgreSQL and Redis when they are down (idempotent, quick when they run). */
export default function globalSetup(): void {
  execFileSync('bash', [join(__dirname, '..', '..', 'scripts', 'services.sh'), 'ensure'], { stdio: 'inherit' });
}
