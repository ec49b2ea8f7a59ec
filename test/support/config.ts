import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type Config } from '../../src/config';

/**
 * A valid configuration for tests, from the local .env plus overrides. Learner email without an SMTP
 * server goes to a temporary folder, never into the project's `.data/mail`.
 */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return parseConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', MAIL_CAPTURE_DIR: join(tmpdir(), 'laurel-test-mail'), ...overrides });
}
