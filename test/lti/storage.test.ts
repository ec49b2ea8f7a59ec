import { createCipheriv, createHash } from 'node:crypto';
import { sql } from 'kysely';
import { PgLtiStore } from '../../src/lti/storage';
import { createTestDatabase, type TestDatabase } from '../support/db';

const KEY = 'an-ltijs-encryption-key';

describe('PgLtiStore (ltijs storage plugin on PostgreSQL)', () => {
  let tdb: TestDatabase;
  let store: PgLtiStore;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    store = new PgLtiStore(tdb.db, { nonce: 60 });
    await store.setup();
  });
  afterAll(async () => {
    await store.Close();
    await tdb.close();
  });
  beforeEach(async () => {
    await sql`delete from lti_store`.execute(tdb.db);
  });

  it('refuses calls before setup, like ltijs', async () => {
    const fresh = new PgLtiStore(tdb.db);
    await expect(fresh.Get(false, 'platform', {})).rejects.toThrow('PROVIDER_NOT_DEPLOYED');
  });

  it('Get answers false when nothing matches and the documents when something does', async () => {
    expect(await store.Get(false, 'platform', { platformUrl: 'https://lms' })).toBe(false);
    await store.Insert(false, 'platform', { platformUrl: 'https://lms', clientId: 'c1', kid: 'k1', authConfig: { method: 'JWK_SET', key: 'https://lms/jwks' } });
    await store.Insert(false, 'platform', { platformUrl: 'https://lms', clientId: 'c2', kid: 'k2' });
    const both = await store.Get(false, 'platform', { platformUrl: 'https://lms' });
    expect(both && both.map((d) => d.clientId)).toEqual(['c1', 'c2']);
    const one = await store.Get(false, 'platform', { platformUrl: 'https://lms', clientId: 'c1' });
    expect(one && one[0]).toEqual({ platformUrl: 'https://lms', clientId: 'c1', kid: 'k1', authConfig: { method: 'JWK_SET', key: 'https://lms/jwks' } });
    const all = await store.Get(false, 'platform');
    expect(all && all.length).toBe(2);
  });

  it('encrypts keyed documents exactly as ltijs does and decrypts them back', async () => {
    await store.Replace(KEY, 'privatekey', { platformUrl: 'https://lms', clientId: 'c1' }, { key: 'PEM', kid: 'k1' }, { kid: 'k1', platformUrl: 'https://lms', clientId: 'c1' });
    const { rows } = await sql<{ doc: { kid: string; iv: string; data: string; key?: string } }>`select doc from lti_store where collection = 'privatekey'`.execute(tdb.db);
    const raw = rows[0]!.doc;
    expect(raw.kid).toBe('k1');
    expect(raw.key).toBeUndefined();
    // Encrypt the same plaintext with ltijs's algorithm and the stored iv: the ciphertext must match.
    const key = createHash('sha256').update(KEY).digest().subarray(0, 32);
    const cipher = createCipheriv('aes-256-cbc', key, Buffer.from(raw.iv, 'hex'));
    const expected = Buffer.concat([cipher.update(JSON.stringify({ key: 'PEM', kid: 'k1' })), cipher.final()]).toString('hex');
    expect(raw.data).toBe(expected);
    const got = await store.Get(KEY, 'privatekey', { kid: 'k1' });
    expect(got && got[0]).toEqual({ key: 'PEM', kid: 'k1' });
  });

  it('Replace upserts: one document after two replaces, holding the second', async () => {
    const query = { iss: 'https://lms', clientId: 'c1', deploymentId: 'd1', user: 'u1' };
    await store.Replace(false, 'idtoken', query, { ...query, userInfo: { name: 'A' } });
    await store.Replace(false, 'idtoken', query, { ...query, userInfo: { name: 'B' } });
    const docs = await store.Get(false, 'idtoken', query);
    expect(docs && docs.length).toBe(1);
    expect(docs && docs[0]!.userInfo).toEqual({ name: 'B' });
    expect(docs && docs[0]!.createdAt).toBeInstanceOf(Date);
  });

  it('Modify sets fields of one plain document, and the first field of an encrypted one', async () => {
    await store.Insert(false, 'platform', { platformUrl: 'https://lms', clientId: 'c1', platformName: 'Old', kid: 'k1' });
    await store.Modify(false, 'platform', { platformUrl: 'https://lms', clientId: 'c1' }, { platformName: 'New', authEndpoint: 'https://lms/auth' });
    const docs = await store.Get(false, 'platform', { kid: 'k1' });
    expect(docs && docs[0]).toMatchObject({ platformName: 'New', authEndpoint: 'https://lms/auth', clientId: 'c1' });

    await store.Insert(KEY, 'accesstoken', { token: { access_token: 'a', expires_in: 3600 } }, { platformUrl: 'https://lms', clientId: 'c1', scopes: 's' });
    await store.Modify(KEY, 'accesstoken', { platformUrl: 'https://lms', clientId: 'c1', scopes: 's' }, { token: { access_token: 'b', expires_in: 60 } });
    const tokens = await store.Get(KEY, 'accesstoken', { platformUrl: 'https://lms', clientId: 'c1', scopes: 's' });
    expect(tokens && tokens[0]!.token).toEqual({ access_token: 'b', expires_in: 60 });
    // Decrypted timed documents carry createdAt as epoch milliseconds (Platform.platformAccessToken uses it).
    expect(typeof (tokens && tokens[0]!.createdAt)).toBe('number');
  });

  it('Delete removes every match, and an undefined field never widens the query', async () => {
    await store.Insert(false, 'publickey', { kid: 'k1', platformUrl: 'https://lms' });
    await store.Insert(false, 'publickey', { kid: 'k2', platformUrl: 'https://lms' });
    await store.Delete('publickey', { kid: undefined });
    expect(await store.Get(false, 'publickey')).toHaveLength(2);
    await store.Delete('publickey', { platformUrl: 'https://lms' });
    expect(await store.Get(false, 'publickey')).toBe(false);
  });

  it('refuses a second insert of the same nonce, even when both callers checked first', async () => {
    const results = await Promise.allSettled([store.Insert(false, 'nonce', { nonce: 'n1' }), store.Insert(false, 'nonce', { nonce: 'n1' })]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((failed.reason as Error).message).toBe('NONCE_ALREADY_RECEIVED');
  });

  it('purges expired nonces, states and tokens, and keeps platforms and keys', async () => {
    const short = new PgLtiStore(tdb.db, { nonce: 10, state: 600, session: 86400, accessToken: 3600 });
    await short.setup();
    await short.Insert(false, 'nonce', { nonce: 'n' });
    await short.Insert(false, 'state', { state: 's', query: {} });
    await short.Replace(false, 'contexttoken', { contextId: 'c', user: 'u' }, { contextId: 'c', user: 'u' });
    await short.Insert(false, 'platform', { platformUrl: 'https://lms', clientId: 'c', kid: 'k' });
    const in11s = new Date(Date.now() + 11_000);
    expect(await short.purgeExpired(in11s)).toBe(1);
    expect(await short.Get(false, 'nonce', { nonce: 'n' })).toBe(false);
    expect(await short.Get(false, 'state', { state: 's' })).not.toBe(false);
    expect(await short.purgeExpired(new Date(Date.now() + 601_000))).toBe(1);
    expect(await short.purgeExpired(new Date(Date.now() + 86_401_000))).toBe(1);
    expect(await short.Get(false, 'platform')).toHaveLength(1);
  });

  it('does not return an expired document that the purge has not removed yet', async () => {
    await sql`insert into lti_store (collection, doc, expires_at) values ('state', '{"state":"old"}'::jsonb, now() - interval '1 second')`.execute(tdb.db);
    expect(await store.Get(false, 'state', { state: 'old' })).toBe(false);
  });
});
