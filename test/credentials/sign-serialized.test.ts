// The signing threads take and give credentials as JSON (signSerialized): the result must be byte for
// byte JSON.stringify of what `sign` makes of the same credential at the same instant (Ed25519 and RS256
// PKCS#1 v1.5 are both deterministic), and verify with the stock Data Integrity verifier and jose.
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { buildOpenBadgeCredential } from '../../src/credentials/builder';
import { createDocumentLoader } from '../../src/credentials/contexts';
import { resolveDidUrl } from '../../src/credentials/did';
import { didDocument, ensureDefaultIssuer, issuerProfile } from '../../src/credentials/issuers';
import { jwks } from '../../src/credentials/keys';
import { createSigner } from '../../src/credentials/signer';
import { allocateStatusEntry } from '../../src/credentials/status-list';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { testConfig } from '../support/config';
import { randomText, rng, sampleFacts } from './support/facts';

const config = testConfig({ BASE_URL: 'http://localhost:3000' });
let tdb: TestDatabase;
beforeAll(async () => {
  tdb = await createTestDatabase();
});
afterAll(() => tdb.close());

async function unsignedCredentials(n: number) {
  const issuer = await ensureDefaultIssuer(tdb.db, config);
  const next = rng(18);
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const status = await allocateStatusEntry(tdb.db, issuer.id, config);
    const facts = sampleFacts(issuerProfile(issuer, config), { status });
    // Names and narratives with quotes, escapes, non-ASCII: the JSON splice must not care.
    out.push(buildOpenBadgeCredential({ ...facts, achievement: { ...facts.achievement, name: randomText(next), description: randomText(next, 200) } }));
  }
  return { issuer, out };
}

describe('signSerialized', () => {
  it('gives exactly JSON.stringify of what sign gives, JWS included', async () => {
    const { issuer, out } = await unsignedCredentials(6);
    const at = new Date('2026-05-01T10:00:00Z');
    const signer = await createSigner(tdb.db, config, { now: () => at });
    for (const unsigned of out) {
      const serialized = await signer.signSerialized(issuer.id, JSON.stringify(unsigned));
      const signed = await signer.sign(issuer.id, unsigned);
      expect(serialized.documentJson).toBe(JSON.stringify(signed.credential));
      expect(serialized.jws).toBe(signed.jws);
      expect(serialized.keyIds).toEqual(signed.keyIds);
    }
  });

  it('replaces a proof the input already has, like sign', async () => {
    const { issuer, out } = await unsignedCredentials(1);
    const signer = await createSigner(tdb.db, config, { now: () => new Date('2026-05-01T10:00:00Z') });
    const withProof = { ...out[0]!, proof: [{ type: 'DataIntegrityProof', proofValue: 'zstale' }] };
    const serialized = await signer.signSerialized(issuer.id, JSON.stringify(withProof));
    expect(serialized.documentJson).toBe(JSON.stringify((await signer.sign(issuer.id, withProof)).credential));
    expect(serialized.documentJson).not.toContain('zstale');
  });

  it('verifies with the stock Data Integrity verifier and with jose against the JWKS', async () => {
    const { issuer, out } = await unsignedCredentials(1);
    const signer = await createSigner(tdb.db, config);
    const { documentJson, jws } = await signer.signSerialized(issuer.id, JSON.stringify(out[0]));
    const credential = JSON.parse(documentJson) as Record<string, unknown>;
    const didDoc = await didDocument(tdb.db, issuer);
    const contexts = createDocumentLoader();
    const documentLoader = async (url: string) => {
      const did = resolveDidUrl([didDoc], url);
      return did ? { contextUrl: null, documentUrl: url, document: did } : contexts(url);
    };
    const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, checkStatus: async () => ({ verified: true }) });
    expect(result.verified).toBe(true);
    const { payload } = await jwtVerify(jws, createLocalJWKSet((await jwks(tdb.db)) as never), { algorithms: ['RS256'] });
    expect(payload).toMatchObject({ id: credential.id, jti: credential.id, iss: issuer.did, proof: credential.proof });
    // A changed document no longer verifies (the check is not vacuous).
    const tampered = { ...credential, name: 'Something else' };
    expect((await vc.verifyCredential({ credential: tampered, suite: new DataIntegrityProof({ cryptosuite }), documentLoader, checkStatus: async () => ({ verified: true }) })).verified).toBe(false);
  });

  it('refuses a credential of another issuer', async () => {
    const { issuer, out } = await unsignedCredentials(1);
    const signer = await createSigner(tdb.db, config);
    const foreign = { ...out[0]!, issuer: { id: 'did:web:elsewhere.example', type: ['Profile'], name: 'Elsewhere' } };
    await expect(signer.signSerialized(issuer.id, JSON.stringify(foreign))).rejects.toThrow(/not the signing issuer/);
  });
});
