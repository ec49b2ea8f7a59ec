import { CompactSign, importJWK, exportJWK, generateKeyPair } from 'jose';
import {
  bakePng, bakeSvg, buildOpenBadgeCredential, createSigner, createVerifier, defaultBadgePng, defaultBadgeSvg,
  ensureDefaultIssuer, issuerProfile, allocateStatusEntry, setStatus, rotateKeys, directorySchemaLoader,
  type CredentialSigner, type Verifier,
} from '../../src/credentials';
import { isLaurelError } from '../../src/errors';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { sampleFacts } from './support/facts';
import { describeWithSpec, specRoot } from './support/spec';
import { join } from 'node:path';

type Json = Record<string, unknown>;
const config = testConfig({ BASE_URL: 'http://localhost:3000' });
const now = new Date('2026-11-22T12:00:00Z');

describeWithSpec('verifyCredential: per-check results, tampering, revocation, expiry, rotation, baked images', () => {
  let tdb: TestDatabase;
  let signer: CredentialSigner;
  let verify: Verifier;
  beforeAll(async () => {
    tdb = await createTestDatabase();
    await ensureDefaultIssuer(tdb.db, config);
    signer = await createSigner(tdb.db, config, { now: () => now, keyCacheMs: 0 });
    verify = createVerifier({ db: tdb.db, config, signer, now: () => now, schemaLoader: directorySchemaLoader([join(specRoot, 'ob-v3p0', 'schema')]) });
  });
  afterAll(async () => {
    await tdb.close();
  });

  async function issue(overrides = {}) {
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { status, ...overrides }));
    return { status, ...(await signer.sign(issuer.id, unsigned)) };
  }
  const failing = (r: { checks: { check: string; ok: boolean }[] }) => r.checks.filter((c) => !c.ok).map((c) => c.check);

  test('a fresh credential verifies as JSON and as JWS, every check ok', async () => {
    const { credential, jws } = await issue();
    for (const input of [credential, JSON.stringify(credential), jws]) {
      const result = await verify(input);
      expect(failing(result)).toEqual([]);
      expect(result.verified).toBe(true);
      expect(result.checks.map((c) => c.check)).toEqual(expect.arrayContaining(['format', 'proof.data-integrity', 'key.provenance', 'schema', 'dates', 'status']));
    }
    expect((await verify(jws)).checks.map((c) => c.check)).toEqual(expect.arrayContaining(['proof.jws', 'jwt.claims']));
  });

  test('changing any part of the credential fails the Data Integrity check', async () => {
    const { credential } = await issue();
    const text = JSON.stringify(credential);
    const targets = ['"Quiz 2 Master"', '"86.5"', '"2026-11-20T10:00:00Z"', 'sha256$'];
    for (const target of targets) {
      const i = text.indexOf(target) + 2;
      const changed = text.slice(0, i) + (text[i] === 'x' ? 'y' : 'x') + text.slice(i + 1);
      const result = await verify(changed);
      expect(result.verified).toBe(false);
      expect(failing(result)).toContain('proof.data-integrity');
    }
  });

  test('a JWT with a changed claim or payload fails proof.jws; alg none is refused', async () => {
    const { jws } = await issue();
    const [h, p, s] = jws.split('.');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
    for (const change of [{ iss: 'did:web:evil.example' }, { exp: 9999999999 }, { name: 'Other' }]) {
      const forged = `${h}.${Buffer.from(JSON.stringify({ ...payload, ...change })).toString('base64url')}.${s}`;
      const result = await verify(forged);
      expect(result.verified).toBe(false);
      expect(failing(result)).toContain('proof.jws');
    }
    // alg none / HS256 are refused outright
    const none = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${p}.`;
    expect(failing(await verify(none))).toContain('proof.jws');
  });

  test('a JWS signed by a key that is not the issuer\'s fails (embedded jwk is not trusted)', async () => {
    const { credential } = await issue();
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...credential, iss: 'did:web:localhost%3A3000' })))
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', jwk })
      .sign(privateKey);
    expect(await importJWK(jwk, 'RS256')).toBeDefined();
    const result = await verify(forged);
    expect(result.verified).toBe(false);
    expect(failing(result)).toContain('proof.jws');
  });

  test('revocation shows on the next verification; clearing the bit restores it', async () => {
    const { credential, status } = await issue();
    await setStatus(tdb.db, { listId: status.listId, index: status.statusListIndex, revoked: true });
    const revoked = await verify(credential);
    expect(revoked.verified).toBe(false);
    expect(revoked.checks.find((c) => c.check === 'status')).toMatchObject({ ok: false, message: 'Revoked' });
    await setStatus(tdb.db, { listId: status.listId, index: status.statusListIndex, revoked: false });
    expect((await verify(credential)).verified).toBe(true);
  });

  test('an expired credential verifies as expired', async () => {
    const { credential } = await issue({ validUntil: new Date('2026-11-21T00:00:00Z') });
    const result = await verify(credential);
    expect(result.verified).toBe(false);
    expect(result.checks.find((c) => c.check === 'dates')?.message).toMatch(/^Expired/);
  });

  test('baked PNG and SVG round-trip to the same credential and verify; a changed baked payload fails', async () => {
    const { credential, jws } = await issue();
    const png = bakePng(defaultBadgePng({ name: 'Quiz 2 Master' }), jws);
    const svg = bakeSvg(defaultBadgeSvg({ name: 'Quiz 2 Master' }), jws);
    for (const image of [png, Buffer.from(svg)]) {
      const result = await verify(image);
      expect(result.verified).toBe(true);
      expect(result.credential).toEqual(credential);
    }
    const other = (await issue()).jws;
    const swapped = jws.split('.')[0] + '.' + other.split('.')[1] + '.' + jws.split('.')[2];
    const result = await verify(bakePng(defaultBadgePng({ name: 'x' }), swapped));
    expect(failing(result)).toContain('proof.jws');
    const corrupted = Buffer.from(png);
    corrupted[png.indexOf(jws) + 10] ^= 1;
    await expect(verify(corrupted)).rejects.toMatchObject({ code: 'ERR_CREDENTIAL_INVALID', details: { check: 'image' } });
  });

  test('after rotation old and new credentials both verify', async () => {
    const old = await issue();
    await rotateKeys(tdb.db, 'default', config);
    const fresh = await issue();
    expect(fresh.keyIds).not.toEqual(old.keyIds);
    for (const c of [old, fresh]) {
      expect((await verify(c.credential)).verified).toBe(true);
      expect((await verify(c.jws)).verified).toBe(true);
    }
  });

  test('unreadable input is a LaurelError ERR_CREDENTIAL_INVALID, never a crash', async () => {
    for (const input of ['{not json', 'a.b', 'x'.repeat(2 * 1024 * 1024), '!!!.???.###', 42, null, Buffer.from('\x89PNG garbage')]) {
      const error = await verify(input).then(() => undefined, (e: unknown) => e);
      expect(isLaurelError(error, 'ERR_CREDENTIAL_INVALID')).toBe(true);
    }
  });
});
