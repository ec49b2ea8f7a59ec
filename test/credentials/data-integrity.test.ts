import { createHash } from 'node:crypto';
import { createCanonizer } from '../../src/credentials/canonize';
import { createDocumentLoader, knownContextUrls } from '../../src/credentials/contexts';
import { createDataIntegrityProof, verifyDataIntegrityProof } from '../../src/credentials/data-integrity';
import { ed25519PrivateKeyFromSeed, ed25519PublicKeyFromRaw } from '../../src/credentials/ed25519';
import { multibaseDecode } from '../../src/credentials/multibase';
import { describeWithSpec, readSpecJson, readSpecText, testContexts } from './support/spec';

type Json = Record<string, unknown>;
// The loader holds the test contexts locally, so they may take the fast path too.
const canonizer = () => createCanonizer({ documentLoader: createDocumentLoader(testContexts()), fastContexts: knownContextUrls(testContexts()) });

describeWithSpec('eddsa-rdfc-2022 test vectors (fast path)', () => {
  const vectors = [
    { name: '1EdTech OB 3.0', dir: 'ob-v3p0/test-vectors', prefix: 'ob' },
    { name: '1EdTech CLR 2.0', dir: 'clr-v2p0/test-vectors', prefix: 'clr' },
  ];
  for (const v of vectors) {
    test(`${v.name}: canonical document, hashes and proofValue match the published vector`, async () => {
      const keys = readSpecJson(`${v.dir}/${v.prefix}-eddsa-rdfc-2022-keys-and-hashes.json`) as Record<string, string>;
      const unsigned = readSpecJson(`${v.dir}/${v.prefix}-unsigned-credential.json`);
      const signed = readSpecJson(`${v.dir}/${v.prefix}-signed-credential.json`);
      const published = (Array.isArray(signed.proof) ? signed.proof[0] : signed.proof) as Json;
      const c = canonizer();
      const canon = await c.canonize(unsigned);
      expect(canon).toBe(readSpecText(`${v.dir}/document-canon.txt`));
      expect(createHash('sha256').update(canon).digest('hex')).toBe(keys.documentHashHex);
      const seed = Buffer.from(keys['privateKeyHex(seed||pub)'].slice(0, 64), 'hex');
      const proof = await createDataIntegrityProof({
        document: unsigned,
        key: { verificationMethod: keys.verificationMethod, privateKey: ed25519PrivateKeyFromSeed(seed) },
        created: String(published.created),
        canonizer: c,
      });
      expect(proof.proofValue).toBe(keys.proofValue);
      expect(proof).toEqual({ ...published });
      // second run goes through the cached template and must give the same bytes
      const again = await createDataIntegrityProof({
        document: structuredClone(unsigned),
        key: { verificationMethod: keys.verificationMethod, privateKey: ed25519PrivateKeyFromSeed(seed) },
        created: String(published.created),
        canonizer: c,
      });
      expect(again.proofValue).toBe(keys.proofValue);
      expect(c.stats().hits).toBeGreaterThan(0);
      const publicKey = ed25519PublicKeyFromRaw(Buffer.from(keys.publicKeyHex, 'hex'));
      await expect(verifyDataIntegrityProof({ document: signed, proof: published, publicKey, canonizer: c })).resolves.toBe(true);
      const tampered = structuredClone(signed);
      tampered.name = 'Tampered';
      await expect(verifyDataIntegrityProof({ document: tampered, proof: published, publicKey, canonizer: c })).resolves.toBe(false);
    });
  }

  test('W3C vc-di-eddsa eddsa-rdfc-2022 vector', async () => {
    const dir = 'w3c/vc-di-eddsa-test-vectors';
    const keyPair = readSpecJson(`${dir}/keyPair.json`) as Record<string, string>;
    const unsigned = readSpecJson(`${dir}/unsigned.json`);
    const config = readSpecJson(`${dir}/eddsa-rdfc-2022/proofConfigDataInt.json`);
    const signed = readSpecJson(`${dir}/eddsa-rdfc-2022/signedDataInt.json`);
    // Multikey secret: multicodec 0x8026 + 32-byte seed.
    const secret = multibaseDecode(keyPair.privateKeyMultibase)!;
    expect([...secret.subarray(0, 2)]).toEqual([0x80, 0x26]);
    const c = canonizer();
    expect(await c.canonize(unsigned)).toBe(readSpecText(`${dir}/eddsa-rdfc-2022/canonDocDataInt.txt`));
    const proof = await createDataIntegrityProof({
      document: unsigned,
      key: { verificationMethod: String(config.verificationMethod), privateKey: ed25519PrivateKeyFromSeed(secret.subarray(2)) },
      created: String(config.created),
      canonizer: c,
    });
    expect(proof.proofValue).toBe((signed.proof as Json).proofValue);
  });
});
