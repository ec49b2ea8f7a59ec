import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import {
  clearEventSourceCache, createEventSource, deleteEventSource, openSourceSecret, requireEventSource, rotateSourceSecret, sealPlaintextSecrets,
} from '../../src/events';
import { LaurelError } from '../../src/errors';
import { createTestDatabase, type TestDatabase } from '../support/db';

/** Moodle shared secrets sealed at rest (migration 520), opened once per cache period for verifying. */
describe('event source secrets at rest', () => {
  let tdb: TestDatabase;
  const kek = randomBytes(32);
  const now = new Date('2026-11-22T12:00:00Z');
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.close());
  beforeEach(() => clearEventSourceCache());

  const stored = async (id: string) => (await sql<{ secret: string; secret_sealed: boolean }>`select secret, secret_sealed from event_sources where id = ${id}`.execute(tdb.db)).rows[0]!;

  it('stores a sealed secret, returns the plaintext once, and opens it for verifying', async () => {
    const source = await createEventSource(tdb.db, { kind: 'moodle', keyEncryptionKey: kek });
    expect(source.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = await stored(source.id);
    expect(row.secret_sealed).toBe(true);
    expect(row.secret).toMatch(/^v1\./);
    expect(row.secret).not.toContain(source.secret);
    const verified = await requireEventSource(tdb.db, { id: source.id, kind: 'moodle', now, keyEncryptionKey: kek });
    expect(verified.secret).toBe(source.secret);
  });

  it('refuses to open with another key or on another row (503 ERR_KEY_UNAVAILABLE, never a wrong secret)', async () => {
    const a = await createEventSource(tdb.db, { kind: 'moodle', keyEncryptionKey: kek });
    const b = await createEventSource(tdb.db, { kind: 'moodle', keyEncryptionKey: kek });
    const rowA = await stored(a.id);
    expect(() => openSourceSecret({ id: a.id, secret: rowA.secret, secret_sealed: true }, randomBytes(32))).toThrow(expect.objectContaining({ code: 'ERR_KEY_UNAVAILABLE' }));
    // The ciphertext of A copied onto B's row does not open as B's secret.
    expect(() => openSourceSecret({ id: b.id, secret: rowA.secret, secret_sealed: true }, kek)).toThrow(LaurelError);
  });

  it('seals plaintext rows left from before the migration, once, and they keep verifying', async () => {
    const legacy = await createEventSource(tdb.db, { kind: 'moodle', keyEncryptionKey: kek });
    await sql`update event_sources set secret = ${'legacy-plaintext-secret-0123'}, secret_sealed = false where id = ${legacy.id}`.execute(tdb.db);
    expect((await requireEventSource(tdb.db, { id: legacy.id, kind: 'moodle', now, keyEncryptionKey: kek })).secret).toBe('legacy-plaintext-secret-0123');
    expect(await sealPlaintextSecrets(tdb.db, { keyEncryptionKey: kek })).toBe(1);
    expect(await sealPlaintextSecrets(tdb.db, { keyEncryptionKey: kek })).toBe(0);
    const row = await stored(legacy.id);
    expect(row).toMatchObject({ secret_sealed: true });
    expect(row.secret).not.toContain('legacy-plaintext');
    expect((await requireEventSource(tdb.db, { id: legacy.id, kind: 'moodle', now, keyEncryptionKey: kek })).secret).toBe('legacy-plaintext-secret-0123');
  });

  it('rotates to a new secret (the cache forgets the old one) and deletes', async () => {
    const source = await createEventSource(tdb.db, { kind: 'moodle', keyEncryptionKey: kek });
    await requireEventSource(tdb.db, { id: source.id, kind: 'moodle', now, keyEncryptionKey: kek });
    const { secret } = await rotateSourceSecret(tdb.db, { sourceId: source.id, keyEncryptionKey: kek, now });
    expect(secret).not.toBe(source.secret);
    expect((await requireEventSource(tdb.db, { id: source.id, kind: 'moodle', now, keyEncryptionKey: kek })).secret).toBe(secret);
    expect(await deleteEventSource(tdb.db, { sourceId: source.id })).toBe(true);
    await expect(requireEventSource(tdb.db, { id: source.id, kind: 'moodle', now, keyEncryptionKey: kek })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
    await expect(rotateSourceSecret(tdb.db, { sourceId: source.id, keyEncryptionKey: kek, now })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });
});
