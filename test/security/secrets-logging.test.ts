import { Writable } from 'node:stream';
import { createLogger } from '../../src/log';
import { record } from './summary';

// Issue 15: secrets are never logged, even when a whole config or a remote token answer is.
describe('logs never carry secrets', () => {
  it('redacts configuration secrets, tokens and cookies wherever the well-known names appear', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const logger = createLogger({ level: 'info' }, sink);
    const secrets = {
      SESSION_SECRET: 'session-secret-value-0123456789abcdef',
      KEY_ENCRYPTION_KEY: 'kek-value-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
      REGISTRATION_KEY: 'registration-key-value-0123',
      access_token: 'remote-access-token-value',
      id_token: 'eyJhbGciOiJSUzI1NiJ9.payload.signature',
      secret: 'moodle-shared-secret-value',
    };
    logger.info({ config: { ...secrets, BASE_URL: 'https://laurel.example' } }, 'start');
    logger.warn({ upstream: { access_token: secrets.access_token, id_token: secrets.id_token } }, 'token answer');
    logger.info({ source: { secret: secrets.secret }, req: { headers: { authorization: 'Bearer lrl_abc', cookie: 'laurel_admin=x' } } }, 'request');
    const out = lines.join('');
    const leaked = Object.values(secrets).filter((value) => out.includes(value));
    record('secrets never logged', { tried: Object.keys(secrets).length + 2, refused: Object.keys(secrets).length + 2 - leaked.length, failures: leaked.length });
    expect(leaked).toEqual([]);
    expect(out).not.toContain('lrl_abc');
    expect(out).not.toContain('laurel_admin=x');
    expect(out).toContain('https://laurel.example');
  });
});
