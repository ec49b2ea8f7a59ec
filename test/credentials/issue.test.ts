import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { buildOpenBadgeCredential, identityHash } from '../../src/credentials/builder';
import { createDocumentLoader } from '../../src/credentials/contexts';
import { resolveDidUrl } from '../../src/credentials/did';
import { didDocument, ensureDefaultIssuer, issuerProfile, rotateKeys } from '../../src/credentials/issuers';
import { jwks, listKeys } from '../../src/credentials/keys';
import { createSigner } from '../../src/credentials/signer';
import { allocateStatusEntry } from '../../src/credentials/status-list';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { sampleFacts } from './support/facts';
import { describeWithSpec, readSpecJson } from './support/spec';

type Json = Record<string, unknown>;
const config = testConfig({ BASE_URL: 'http://localhost:3000' });

describeWithSpec('issuing: keys, DI + VC-JWT, schemas, independent verification', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  async function issue() {
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, config), { status }));
    const signer = await createSigner(tdb.db, config);
    return { issuer, unsigned, ...(await signer.sign(issuer.id, unsigned)) };
  }

  async function stockVerify(credential: Json) {
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const didDoc = await didDocument(tdb.db, issuer);
    const contexts = createDocumentLoader();
    const documentLoader = async (url: string) => {
      const did = resolveDidUrl([didDoc], url);
      return did ? { contextUrl: null, documentUrl: url, document: did } : contexts(url);
    };
    const suite = new DataIntegrityProof({ cryptosuite });
    return vc.verifyCredential({ credential, suite, documentLoader, checkStatus: async () => ({ verified: true }) });
  }

  test('ensureDefaultIssuer is idempotent: one did:web issuer, one active Ed25519 and one RSA key', async () => {
    const a = await ensureDefaultIssuer(tdb.db, config);
    const b = await ensureDefaultIssuer(tdb.db, config);
    expect(a.did).toBe('did:web:localhost%3A3000');
    expect(b.id).toBe(a.id);
    const keys = await listKeys(tdb.db);
    expect(keys.map((k) => [k.algorithm, k.status]).sort()).toEqual([['Ed25519', 'active'], ['RS256', 'active']]);
    const raw = await tdb.db.withTables<{ signing_keys: { private_key_enc: string } }>().selectFrom('signing_keys').select('private_key_enc').execute();
    for (const row of raw) expect(row.private_key_enc).toMatch(/^v1\./); // sealed, never PEM
  });

  test('builder output: salted identity hash, proof array, validates against both official schema builds', async () => {
    const { unsigned, credential } = await issue();
    const subject = unsigned.credentialSubject as { identifier: Json[] };
    const email = subject.identifier[0];
    expect(email.identityHash).toBe(identityHash('ada@example.edu', String(email.salt)));
    expect(JSON.stringify(unsigned)).not.toContain('Ada@Example.edu');
    expect(Array.isArray(credential.proof)).toBe(true);
    for (const file of ['ob-v3p0/schema/ob_v3p0_achievementcredential_schema.json', 'ob-v3p0/schema-ghpages-2024/achievementcredential.json']) {
      const ajv = new Ajv2019({ strict: false, allErrors: true });
      addFormats(ajv);
      const validate = ajv.compile(readSpecJson(file));
      const ok = validate(credential);
      expect({ file, errors: ok ? [] : validate.errors }).toEqual({ file, errors: [] });
    }
  });

  test('DI proof verifies with stock @digitalbazaar/vc using only our DID document; tampering fails', async () => {
    const { credential } = await issue();
    const result = await stockVerify(credential);
    expect(result.error).toBeUndefined();
    expect(result.verified).toBe(true);
    const tampered = structuredClone(credential);
    (tampered.credentialSubject as Json).result = [{ type: ['Result'], value: '99' }];
    expect((await stockVerify(tampered)).verified).toBe(false);
  });

  test('VC-JWT: RS256, kid, typ JWT, claims mirror the credential; verifies with jose against /.well-known/jwks.json', async () => {
    const { credential, jws, keyIds } = await issue();
    const header = decodeProtectedHeader(jws);
    expect(header).toEqual({ alg: 'RS256', kid: keyIds[1], typ: 'JWT' });
    const { payload } = await jwtVerify(jws, createLocalJWKSet((await jwks(tdb.db)) as never), { algorithms: ['RS256'] });
    expect(payload.iss).toBe('did:web:localhost%3A3000');
    expect(payload.jti).toBe(credential.id);
    expect(payload.nbf).toBe(Date.parse(String(credential.validFrom)) / 1000);
    expect(payload.exp).toBe(Date.parse(String(credential.validUntil)) / 1000);
    const { iss: _i, jti: _j, nbf: _n, exp: _e, ...rest } = payload;
    expect(rest).toEqual(credential);
  });

  test('after rotation new credentials use new keys and old ones still verify (DI and JWS)', async () => {
    const old = await issue();
    const rotated = await rotateKeys(tdb.db, 'default', config);
    expect(rotated.retired.sort()).toEqual([...old.keyIds].sort());
    const fresh = await issue();
    expect(fresh.keyIds).toEqual(rotated.created);
    const set = createLocalJWKSet((await jwks(tdb.db)) as never);
    for (const c of [old, fresh]) {
      expect((await stockVerify(c.credential)).verified).toBe(true);
      await expect(compactVerify(c.jws, set)).resolves.toBeDefined();
    }
  });
});
