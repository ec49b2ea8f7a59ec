import { decodeProtectedHeader } from 'jose';
import type { AppContext } from '../../src/context';
import { createCredentialPort } from '../../src/badges';
import { upsertPlatform } from '../../src/courses';
import { buildOpenBadgeCredential, credentialEngine, credentialEngineFor, ensureDefaultIssuer, issuerProfile, jwks, upsertIssuer, type Issuer } from '../../src/credentials';
import { walletsDepsFor } from '../../src/wallets';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { sampleFacts } from './support/facts';

/**
 * One signer and one verifier per process (src/credentials/engine.ts): every module gets the same
 * objects, and that one signer signs each issuer's credentials with that issuer's own keys.
 */
describe('the process-wide credential engine', () => {
  const config = testConfig({ BASE_URL: 'http://localhost:3000' });
  let tdb: TestDatabase;
  let ctx: AppContext;
  let main: Issuer;
  let platformIssuer: Issuer;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    ctx = { config, database: tdb } as unknown as AppContext;
    main = await ensureDefaultIssuer(tdb.db, config);
    const platform = await upsertPlatform(tdb.db, { issuer: 'https://lms.beta.edu', clientId: 'beta', name: 'Beta LMS', lms: 'moodle', authEndpoint: 'https://lms.beta.edu/auth', tokenEndpoint: 'https://lms.beta.edu/token', jwksUrl: 'https://lms.beta.edu/certs' });
    platformIssuer = await upsertIssuer(tdb.db, config, { id: 'beta', name: 'Beta University', platformId: platform.id });
  });
  afterAll(() => tdb.close());

  it('is one engine per pool and configuration, whoever asks: same signer, same verifier', async () => {
    const engine = credentialEngineFor(ctx);
    expect(credentialEngine({ db: tdb.db, config })).toBe(engine);
    const signer = await engine.signer();
    expect(await walletsDepsFor(ctx).signer()).toBe(signer);
    expect(await engine.verifier()).toBe(await credentialEngine({ db: tdb.db, config }).verifier());
    // Another configuration (another key encryption key, another standards cache) is another engine.
    const other = testConfig({ BASE_URL: 'http://localhost:3000' });
    expect(credentialEngine({ db: tdb.db, config: other })).not.toBe(engine);
    // A context the standards cache lacks gets an engine that knows it; one it holds changes nothing.
    expect(credentialEngine({ db: tdb.db, config, contexts: new Map([['https://example.org/extra-context.json', { '@context': {} }]]) })).not.toBe(engine);
  });

  it('signs each issuer with its own keys through the one signer, and the one verifier checks both', async () => {
    const signer = await credentialEngineFor(ctx).signer();
    const verify = await credentialEngineFor(ctx).verifier();
    const ownKid = async (issuerId: string) => ((await jwks(tdb.db)).keys as { kid: string }[]).map((k) => k.kid).filter((kid) => kid.includes(issuerId === 'beta' ? ':issuers:beta' : 'localhost%3A3000#'));
    const a = await signer.sign(main.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(main, config))));
    const b = await signer.sign(platformIssuer.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(platformIssuer, config), { id: 'http://localhost:3000/credentials/6f1c1d1e-0000-4000-8000-000000000002' })));
    const kidA = decodeProtectedHeader(a.jws).kid!;
    const kidB = decodeProtectedHeader(b.jws).kid!;
    expect(kidA).not.toBe(kidB);
    expect(await ownKid(main.id)).toContain(kidA);
    expect(await ownKid('beta')).toContain(kidB);
    expect((a.credential.issuer as { id: string }).id).toBe(main.did);
    expect((b.credential.issuer as { id: string }).id).toBe(platformIssuer.did);
    expect((await verify(a.jws)).verified).toBe(true);
    expect((await verify(b.jws)).verified).toBe(true);
    // A credential claiming the platform's issuer but proved with the main issuer's key does not verify.
    const forged = { ...a.credential, issuer: b.credential.issuer };
    expect((await verify(forged)).verified).toBe(false);
  });

  it('the badges port verifies what the one signer signed', async () => {
    const port = createCredentialPort({ db: tdb.db as never, config });
    const signer = await credentialEngineFor(ctx).signer();
    const signed = await signer.sign(main.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(main, config), { id: 'http://localhost:3000/credentials/6f1c1d1e-0000-4000-8000-000000000003' })));
    expect(await port.verify(tdb.db, signed.jws)).toMatchObject({ verified: true });
  });
});
