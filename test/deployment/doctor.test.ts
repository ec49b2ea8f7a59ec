import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatFindings, runDoctor } from '../../src/deployment';
import { ensureDefaultIssuer } from '../../src/credentials';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { runCli } from '../support/cli';

/** `laurel doctor` on installs that have not issued yet: what it says is wrong, and the fix. */
describe('laurel doctor before the first credential', () => {
  let tdb: TestDatabase;
  let emptyDir: string;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    emptyDir = mkdtempSync(join(tmpdir(), 'laurel-standards-'));
  });
  afterAll(async () => {
    await tdb.close();
    rmSync(emptyDir, { recursive: true, force: true });
  });

  it('a fresh install with a changed BASE_URL that does not reach Laurel: says which URL fails and what to set', async () => {
    const config = testConfig({ BASE_URL: 'https://badges.example.invalid', PORT: '8080' });
    const text = formatFindings(await runDoctor({ database: tdb, config, timeoutMs: 2000 }));
    expect(text).toContain('ok           BASE_URL is https://badges.example.invalid: credentials issued from now on name https://badges.example.invalid, and a new issuer takes did:web:badges.example.invalid');
    expect(text).toMatch(/PROBLEM +BASE_URL does not reach this Laurel: https:\/\/badges\.example\.invalid\/\.well-known\/jwks\.json: unreachable \(/);
    expect(text).toContain('fix: BASE_URL must be the address at which LMSs and verifiers reach this Laurel: point DNS for badges.example.invalid at this server and forward HTTPS to port 8080 (reverse proxy), or set BASE_URL in .env to the address that does, then restart');
    expect(text).toContain('not checked  no issuer yet: the default issuer is created with the first credential, as did:web:badges.example.invalid');
    expect(text).toMatch(/\n1 problem\(s\) found\n$/);
  });

  it('BASE_URL reaching another server, a loopback BASE_URL and missing standards data are problems with their fix', async () => {
    const config = testConfig({ BASE_URL: 'http://localhost:3999', STANDARDS_DIR: emptyDir });
    await ensureDefaultIssuer(tdb.db, config);
    const otherServer = (async () => new Response(JSON.stringify({ keys: [] }), { status: 200 })) as typeof fetch;
    const text = formatFindings(await runDoctor({ database: tdb, config, fetch: otherServer }));
    expect(text).toContain('PROBLEM      BASE_URL http://localhost:3999 is a loopback address: nobody but this machine can verify what Laurel issues');
    expect(text).toMatch(/PROBLEM +BASE_URL reaches another server: http:\/\/localhost:3999\/\.well-known\/jwks\.json does not hold this Laurel's keys \(did:web:localhost%3A3999#/);
    expect(text).toContain(`PROBLEM      Standards data missing: ${join(emptyDir, 'ob_v3p0_achievementcredential_schema.json')} is missing (and 11 more standards file(s)); run 'laurel standards fetch' to fetch it`);
    expect(text).toContain("fix: run 'laurel standards fetch'");
    expect(text).toContain("not checked  issuer 'default' has issued nothing: no credential names its URLs yet");
    // An issuer that has not issued follows BASE_URL: it is not a problem that its DID is the old one.
    const moved = formatFindings(await runDoctor({ database: tdb, config: { ...config, BASE_URL: 'https://x.example.invalid' }, fetch: otherServer }));
    expect(moved).toContain("ok           issuer 'default' has issued nothing yet: it becomes did:web:x.example.invalid (from BASE_URL) with its first credential");
  });

  it('the CLI refuses a bad option with its usage code', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => { throw new Error(`exit ${code}`); }) as never);
    try {
      await expect(runCli('doctor', '--timeout', 'soon')).rejects.toThrow('exit 64');
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('--timeout must be milliseconds');
    } finally {
      stderr.mockRestore();
      exit.mockRestore();
    }
  });
});
