import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pointCliAtSchema, runCli } from '../support/cli';
import { allocateStatusEntry, bakePng, buildOpenBadgeCredential, createSigner, defaultBadgePng, ensureDefaultIssuer, issuerProfile } from '../../src/credentials';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { sampleFacts } from './support/facts';

describe('laurel keys list|rotate and laurel verify FILE', () => {
  let tdb: TestDatabase;
  let restoreUrl = (): void => undefined;
  let dir: string;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    // The CLI reads DATABASE_URL: point it at this suite's schema.
    restoreUrl = pointCliAtSchema(tdb.schema);
    dir = mkdtempSync(join(tmpdir(), 'laurel-verify-'));
  });
  afterAll(async () => {
    restoreUrl();
    rmSync(dir, { recursive: true, force: true });
    await tdb.close();
  });

  const run = runCli;

  test('keys rotate retires the active pair and creates a new one; keys list shows both generations', async () => {
    const rotated = await run('keys', 'rotate');
    expect(rotated.out).toMatch(/^retired did:web:.*#ed25519-/m);
    expect(rotated.out).toMatch(/^created did:web:.*#rsa-/m);
    const listed = JSON.parse((await run('keys', 'list', '--json')).out) as { algorithm: string; status: string }[];
    expect(listed.map((k) => k.status).sort()).toEqual(['active', 'active', 'retired', 'retired']);
    expect(JSON.stringify(listed)).not.toMatch(/"d"|private/);
  });

  test('verify exits 0 for a valid credential (JSON, JWS, PNG) and 1 for a tampered one', async () => {
    const config = testConfig();
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const signer = await createSigner(tdb.db, config);
    const facts = sampleFacts(issuerProfile(issuer, config), { status, validFrom: new Date(Date.now() - 60000), validUntil: undefined });
    const { credential, jws } = await signer.sign(issuer.id, buildOpenBadgeCredential(facts));
    const files = {
      json: JSON.stringify(credential),
      jwt: jws,
      png: bakePng(defaultBadgePng({ name: 'CLI' }), jws),
      bad: JSON.stringify({ ...credential, name: 'Forged' }),
    };
    for (const [ext, content] of Object.entries(files)) writeFileSync(join(dir, `c.${ext}`), content);
    for (const ext of ['json', 'jwt', 'png']) {
      const result = await run('verify', join(dir, `c.${ext}`));
      expect({ ext, exitCode: result.exitCode, last: result.out.trim().split('\n').pop() }).toEqual({ ext, exitCode: 0, last: 'verified' });
    }
    const bad = await run('verify', join(dir, 'c.bad'));
    expect(bad.exitCode).toBe(1);
    expect(bad.out).toMatch(/FAIL\s+proof\.data-integrity/);
    expect(bad.out.trim().split('\n').pop()).toBe('NOT verified');
  });

  test('verify exits 1 when the status cannot be confirmed, saying "status unknown" and which check was not checked', async () => {
    const config = testConfig();
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const signer = await createSigner(tdb.db, config);
    const listId = '00000000-0000-4000-8000-00000000dead';
    const status = { listId, statusListIndex: 3, statusListCredential: `${config.BASE_URL}/status-lists/${listId}` };
    const { credential } = await signer.sign(issuer.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { status, validFrom: new Date(Date.now() - 60000) })));
    writeFileSync(join(dir, 'unknown.json'), JSON.stringify(credential));
    const result = await run('verify', join(dir, 'unknown.json'));
    expect(result.exitCode).toBe(1);
    expect(result.out).toMatch(/^n\/c \s+status\s+Not checked: status list .* cannot be fetched/m);
    expect(result.out).not.toMatch(/^FAIL/m);
    expect(result.out.trim().split('\n').pop()).toBe('NOT verified (status unknown)');
    const json = JSON.parse((await run('verify', '--json', join(dir, 'unknown.json'))).out) as { verified: boolean; verdict: string };
    expect(json).toMatchObject({ verified: false, verdict: 'status-unknown' });
  });
});
