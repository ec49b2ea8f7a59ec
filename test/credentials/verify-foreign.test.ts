import { generateKeyPairSync } from 'node:crypto';
import { CompactSign } from 'jose';
import { buildOpenBadgeCredential, createDocumentLoader, verifyCredential, type VerifyDeps } from '../../src/credentials';
import { createCanonizer } from '../../src/credentials/canonize';
import { createDataIntegrityProof } from '../../src/credentials/data-integrity';
import { ed25519RawPublicKey } from '../../src/credentials/ed25519';
import { jwtClaimsFor } from '../../src/credentials/jwt';
import { ed25519PublicKeyMultibase } from '../../src/credentials/multibase';
import { sampleFacts } from './support/facts';

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
    expect(di.checks.filter((c) => !c.ok)).toEqual([]);
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
    expect(result.checks).toContainEqual({ check: 'proof', ok: false, message: 'The credential has no proof' });
  });
});
