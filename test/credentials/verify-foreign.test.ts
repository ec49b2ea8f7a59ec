import { generateKeyPairSync } from 'node:crypto';
import { CompactSign } from 'jose';
import { buildOpenBadgeCredential, createDocumentLoader, verifyCredential, type VerifyDeps } from '../../src/credentials';
import { createCanonizer } from '../../src/credentials/canonize';
import { createDataIntegrityProof } from '../../src/credentials/data-integrity';
import { ed25519RawPublicKey } from '../../src/credentials/ed25519';
import { jwtClaimsFor } from '../../src/credentials/jwt';
import { ed25519PublicKeyMultibase } from '../../src/credentials/multibase';
import { sampleFacts } from './support/facts';
import { describeWithSpec, readSpecJson, testContexts } from './support/spec';

describe('verifying another issuer\'s credential (did:key, offline)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const mb = ed25519PublicKeyMultibase(ed25519RawPublicKey(publicKey));
  const did = `did:key:${mb}`;
  const vm = `${did}#${mb}`;
  const canonizer = createCanonizer({ documentLoader: createDocumentLoader() });
  const deps: VerifyDeps = { canonizer, resolveDid: async () => undefined, now: new Date('2026-12-01T00:00:00Z') };
  const unsigned = buildOpenBadgeCredential(sampleFacts({ id: did, type: ['Profile'], name: 'Other University' }));

  test('DI proof and EdDSA JWS verify with the key taken from the did:key itself', async () => {
    const proof = await createDataIntegrityProof({ document: unsigned, key: { verificationMethod: vm, privateKey }, created: '2026-11-20T10:00:00Z', canonizer });
    const credential = { ...unsigned, proof: [proof] };
    const di = await verifyCredential(credential, deps);
    // No schema loader here: the schema check did not run and says so; it is the only one not passed.
    expect(di.checks.filter((c) => !c.ok).map((c) => [c.check, c.status])).toEqual([['schema', 'not-checked']]);
    expect(di).toMatchObject({ verified: true, verdict: 'verified' });
    expect(di.checks.find((c) => c.check === 'key.provenance')).toMatchObject({ status: 'ok', trust: 'self-certifying' });
    const jws = await new CompactSign(Buffer.from(JSON.stringify({ ...credential, ...jwtClaimsFor(credential) })))
      .setProtectedHeader({ alg: 'EdDSA', kid: vm, typ: 'JWT' })
      .sign(privateKey);
    const result = await verifyCredential(jws, deps);
    expect(result.checks.find((c) => c.check === 'proof.jws')?.ok).toBe(true);
    expect(result.verified).toBe(true);
  });

  test('a proof by a did:key that is not the issuer fails key provenance', async () => {
    const other = generateKeyPairSync('ed25519');
    const omb = ed25519PublicKeyMultibase(ed25519RawPublicKey(other.publicKey));
    const proof = await createDataIntegrityProof({ document: unsigned, key: { verificationMethod: `did:key:${omb}#${omb}`, privateKey: other.privateKey }, created: '2026-11-20T10:00:00Z', canonizer });
    const result = await verifyCredential({ ...unsigned, proof: [proof] }, deps);
    expect(result.verified).toBe(false);
    expect(result.checks.find((c) => c.check === 'key.provenance')?.ok).toBe(false);
    expect(result.checks.find((c) => c.check === 'proof.data-integrity')?.ok).toBe(true);
  });

  test('a credential without any proof is not verified', async () => {
    const result = await verifyCredential(unsigned, deps);
    expect(result.checks).toContainEqual({ check: 'proof', ok: false, status: 'failed', message: 'The credential has no proof' });
    expect(result.verdict).toBe('not-verified');
  });
});

describeWithSpec('the published 1EdTech signed vectors verify with our verifier', () => {
  for (const [name, dir, prefix] of [['OB 3.0', 'ob-v3p0/test-vectors', 'ob'], ['CLR 2.0', 'clr-v2p0/test-vectors', 'clr']]) {
    test(`${name} signed credential: valid; one changed value: invalid`, async () => {
      const keys = readSpecJson(`${dir}/${prefix}-eddsa-rdfc-2022-keys-and-hashes.json`) as Record<string, string>;
      const controllerDoc = {
        '@context': ['https://www.w3.org/ns/did/v1'],
        id: keys.controller,
        verificationMethod: [{ id: keys.verificationMethod, type: 'Multikey', controller: keys.controller, publicKeyMultibase: keys.publicKeyMultibase }],
        assertionMethod: [keys.verificationMethod],
      };
      const deps: VerifyDeps = {
        canonizer: createCanonizer({ documentLoader: createDocumentLoader(testContexts()) }),
        resolveDid: async (id) => (id === keys.controller ? controllerDoc : undefined),
        now: new Date('2026-11-22T00:00:00Z'),
      };
      const signed = readSpecJson(`${dir}/${prefix}-signed-credential.json`);
      const result = await verifyCredential(signed, deps);
      expect(result.checks.filter((c) => !c.ok).map((c) => [c.check, c.status])).toEqual([['schema', 'not-checked']]);
      expect(result.verified).toBe(true);
      const tampered = await verifyCredential({ ...signed, validFrom: '2010-01-02T00:00:00Z' }, deps);
      expect(tampered.checks.find((c) => c.check === 'proof.data-integrity')?.ok).toBe(false);
    });
  }
});
