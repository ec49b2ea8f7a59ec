import { parseConfig, type Config } from '../../src/config';

/** A valid configuration for tests, from the local .env plus overrides. */
export function testConfig(overrides: Partial<Record<keyof Config, string>> = {}): Config {
  return parseConfig({ ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...overrides });
}
