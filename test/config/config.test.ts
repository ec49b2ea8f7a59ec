import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../../src/config';

const valid = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:55432/laurel',
  REDIS_URL: 'redis://:p@127.0.0.1:56379',
  SESSION_SECRET: 'x'.repeat(32),
  KEY_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
};

describe('configuration', () => {
  it('applies the embedded defaults', () => {
    const config = parseConfig(valid);
    expect(config).toMatchObject({ ROLE: 'all', PORT: 3000, BASE_URL: 'http://localhost:3000', QUEUE_PREFIX: 'laurel', TRUST_PROXY: false });
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT: .*got "abc"/],
    [{ PORT: '70000' }, /^Invalid configuration: PORT: /],
    [{ ROLE: 'both' }, /^Invalid configuration: ROLE: /],
    [{ BASE_URL: 'ftp://x' }, /^Invalid configuration: BASE_URL: /],
    [{ DATABASE_URL: 'mysql://x' }, /^Invalid configuration: DATABASE_URL: /],
    [{ SESSION_SECRET: 'short' }, /^Invalid configuration: SESSION_SECRET: must be at least 32 characters \(got "<redacted>"\)$/],
    [{ KEY_ENCRYPTION_KEY: 'AAAA' }, /^Invalid configuration: KEY_ENCRYPTION_KEY: must be 32 bytes encoded as base64/],
    [{ TRUST_PROXY: 'maybe' }, /^Invalid configuration: TRUST_PROXY: /],
  ])('refuses %o with one line naming the variable', (override, message) => {
    const run = () => parseConfig({ ...valid, ...override });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
  });

  it('refuses to start in production without REGISTRATION_KEY (open Dynamic Registration), naming the variable and never a secret', () => {
    const production = { ...valid, NODE_ENV: 'production' };
    expect(() => parseConfig(production)).toThrow(ConfigError);
    expect(() => parseConfig(production)).toThrow(/^Invalid configuration: REGISTRATION_KEY: is required when NODE_ENV=production .*\(it is not set\)$/);
    expect(() => parseConfig({ ...production, REGISTRATION_KEY: '' })).toThrow(/REGISTRATION_KEY: is required when NODE_ENV=production/);
    expect(parseConfig({ ...production, REGISTRATION_KEY: 'k'.repeat(16) }).NODE_ENV).toBe('production');
    // A too-short key is refused with its value redacted.
    let message = '';
    try { parseConfig({ ...production, REGISTRATION_KEY: 'short-secret' }); } catch (error) { message = (error as Error).message; }
    expect(message).toContain('<redacted>');
    expect(message).not.toContain('short-secret');
  });

  it('keeps a development .env without REGISTRATION_KEY working (registration open, approval auto)', () => {
    const config = parseConfig(valid);
    expect(config.REGISTRATION_KEY).toBeUndefined();
    expect(config.REGISTRATION_APPROVAL).toBe('auto');
    expect(parseConfig({ ...valid, REGISTRATION_KEY: '' }).REGISTRATION_KEY).toBeUndefined();
    expect(parseConfig({ ...valid, REGISTRATION_KEY: 'k'.repeat(16), REGISTRATION_APPROVAL: 'manual' })).toMatchObject({ REGISTRATION_KEY: 'k'.repeat(16), REGISTRATION_APPROVAL: 'manual' });
  });

  it.each([
    [{ REGISTRATION_KEY: 'short' }, 'Invalid configuration: REGISTRATION_KEY: must be at least 16 characters (got "<redacted>")'],
    [{ REGISTRATION_APPROVAL: 'maybe' }, 'Invalid configuration: REGISTRATION_APPROVAL: must be auto or manual (got "maybe")'],
  ])('refuses %j with a one-line message', (env, message) => {
    expect(() => parseConfig({ ...valid, ...env })).toThrow(new ConfigError(message));
  });

  it('names a missing required variable', () => {
    const { REDIS_URL: _omit, ...rest } = valid;
    expect(() => parseConfig(rest)).toThrow('Invalid configuration: REDIS_URL: a value is required (it is not set)');
  });

  it('never prints a password from a URL', () => {
    expect(() => parseConfig({ ...valid, DATABASE_URL: 'postgres://u:hunter2@db/x', PORT: '1' , REDIS_URL: 'nope://:hunter2@h' })).toThrow(/<redacted>/);
    try {
      parseConfig({ ...valid, REDIS_URL: 'nope://:hunter2@h' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('stops the process at start-up with a one-line message', () => {
    const main = join(__dirname, '..', '..', 'dist', 'src', 'main.js');
    const result = spawnSync(process.execPath, [main], { env: { ...process.env, ...valid, PORT: 'not-a-port' }, encoding: 'utf8', timeout: 20000 });
    expect(result.status).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual(['Invalid configuration: PORT: must be a port number from 1 to 65535 (got "not-a-port")']);
  });
});
