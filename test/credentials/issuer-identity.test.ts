import { buildOpenBadgeCredential, createSigner, ensureDefaultIssuer, getIssuer, issuerForIssuing, issuerIdentityDrift, issuerProfile, listKeys, upsertIssuer } from '../../src/credentials';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { randomFacts } from './support/facts';

/** DESIGN 9: an issuer's DID follows BASE_URL until it first issues, then never changes. */
describe('issuer identity follows BASE_URL until the first credential', () => {
  let tdb: TestDatabase;
  beforeEach(async () => {
    tdb = await createTestDatabase();
  });
  afterEach(() => tdb.close());

  const at = (BASE_URL: string, more: Record<string, string> = {}) => testConfig({ BASE_URL, ...more });

  it('an issuer that has issued nothing takes the new origin: DID, default name and url, and fresh keys named under it', async () => {
    const first = await ensureDefaultIssuer(tdb.db, at('http://localhost:3000'));
    expect(first.did).toBe('did:web:localhost%3A3000');
    const oldKeys = (await listKeys(tdb.db)).map((k) => k.id);
    const moved = await ensureDefaultIssuer(tdb.db, at('https://badges.example.edu'));
    expect(moved).toMatchObject({ did: 'did:web:badges.example.edu', name: 'badges.example.edu', url: 'https://badges.example.edu', first_issued_at: null });
    const keys = await listKeys(tdb.db);
    expect(keys).toHaveLength(2);
    expect(keys.every((k) => k.id.startsWith('did:web:badges.example.edu#') && k.status === 'active')).toBe(true);
    expect(keys.some((k) => oldKeys.includes(k.id))).toBe(false);
    expect(await issuerIdentityDrift(tdb.db, at('https://badges.example.edu'))).toEqual([]);
  });

  it('a profile an admin edited keeps its name and web site when the DID follows', async () => {
    await upsertIssuer(tdb.db, at('http://localhost:3000'), { id: 'default', name: 'Example University', url: 'https://www.example.edu' });
    const moved = await ensureDefaultIssuer(tdb.db, at('https://badges.example.edu'));
    expect(moved).toMatchObject({ did: 'did:web:badges.example.edu', name: 'Example University', url: 'https://www.example.edu' });
  });

  it('extra issuers follow too, on their path-based DID', async () => {
    await upsertIssuer(tdb.db, at('http://localhost:3000'), { id: 'biology', name: 'Biology' });
    const moved = await issuerForIssuing(tdb.db, 'biology', at('https://badges.example.edu'));
    expect(moved.did).toBe('did:web:badges.example.edu:issuers:biology');
    expect(moved.first_issued_at).toBeInstanceOf(Date);
  });

  it('signing fixes the DID: a later BASE_URL keeps it and is reported as drift', async () => {
    const config = at('https://old.example.edu');
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const signer = await createSigner(tdb.db, config);
    await signer.sign(issuer.id, buildOpenBadgeCredential(randomFacts(issuerProfile(issuer, config), 1)));
    expect((await getIssuer(tdb.db, 'default'))!.first_issued_at).toBeInstanceOf(Date);
    const keysBefore = (await listKeys(tdb.db)).map((k) => k.id);
    const later = at('https://new.example.edu');
    expect((await ensureDefaultIssuer(tdb.db, later)).did).toBe('did:web:old.example.edu');
    expect((await issuerForIssuing(tdb.db, 'default', later)).did).toBe('did:web:old.example.edu');
    expect((await listKeys(tdb.db)).map((k) => k.id)).toEqual(keysBefore);
    expect(await issuerIdentityDrift(tdb.db, later)).toEqual([
      expect.objectContaining({ issuerId: 'default', did: 'did:web:old.example.edu', expectedDid: 'did:web:new.example.edu', didDocumentUrl: 'https://old.example.edu/.well-known/did.json', servedAt: 'https://new.example.edu/.well-known/did.json' }),
    ]);
  });

  it('concurrent first issues under one BASE_URL agree on one DID and one key pair', async () => {
    await ensureDefaultIssuer(tdb.db, at('http://localhost:3000'));
    const config = at('https://badges.example.edu');
    const results = await Promise.all([1, 2, 3, 4].map(() => issuerForIssuing(tdb.db, 'default', config)));
    expect(new Set(results.map((r) => r.did))).toEqual(new Set(['did:web:badges.example.edu']));
    const keys = await listKeys(tdb.db);
    expect(keys.filter((k) => k.status === 'active')).toHaveLength(2);
    expect(keys.every((k) => k.id.startsWith('did:web:badges.example.edu#'))).toBe(true);
  });
});
