import { generateKeyPairSync } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { buildOpenBadgeCredential, type IssuerProfile } from '../../src/credentials/builder';
import { createCanonizer, stockCanonize } from '../../src/credentials/canonize';
import { builtInContexts, createDocumentLoader } from '../../src/credentials/contexts';
import { createDataIntegrityProof } from '../../src/credentials/data-integrity';
import { randomFacts } from './support/facts';

async function outcome(fn: () => Promise<string>): Promise<{ value?: string; error?: string }> {
  return fn().then((value) => ({ value }), (e: Error) => ({ error: e.name }));
}

const issuer: IssuerProfile = { id: 'did:web:localhost%3A3000', type: ['Profile'], name: 'Example University', url: 'http://localhost:3000' };
const vm = `${issuer.id}#ed25519-test`;
const created = '2026-11-21T08:00:00Z';

describe('fast canonicalisation equals stock @digitalbazaar/vc output', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const jwk = { ...privateKey.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
  const documentLoader = createDocumentLoader();

  test('random credentials of varying shape: identical canonical N-Quads and identical proofValue', async () => {
    const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: vm, controller: issuer.id });
    const canonizer = createCanonizer({ documentLoader });
    for (let seed = 1; seed <= 25; seed++) {
      const unsigned = buildOpenBadgeCredential(randomFacts(issuer, seed));
      expect(await canonizer.canonize(unsigned)).toBe(await stockCanonize(unsigned, documentLoader));
      const ours = await createDataIntegrityProof({ document: unsigned, key: { verificationMethod: vm, privateKey }, created, canonizer });
      const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite, date: created });
      const stock = await vc.issue({ credential: structuredClone(unsigned), suite, documentLoader });
      expect(ours).toEqual(stock.proof);
    }
    const stats = canonizer.stats();
    expect(stats.hits).toBeGreaterThan(0); // the template path was exercised, not only the fallback
    expect(publicKey).toBeDefined();
  });

  test('tricky values are canonicalised like stock: relative ids, vocabulary terms, duplicates, @json-free shapes', async () => {
    const canonizer = createCanonizer({ documentLoader });
    const docs: Record<string, unknown>[] = [
      { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'relative/id', type: ['VerifiableCredential'], issuer: 'https://a.example/i', validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: 'https://a.example/s' } },
      { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'urn:uuid:1', type: ['VerifiableCredential'], issuer: 'https://a.example/i', validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: 'https://a.example/i' } },
      { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'https://a.example/../x/./y', type: ['VerifiableCredential'], issuer: 'https://a.example/i', validFrom: 'not a date', credentialSubject: { id: '_:b7' } },
      // equal values collapse nodes and quads that distinct placeholders kept apart
      { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'urn:uuid:2', type: ['VerifiableCredential'], issuer: 'https://a.example/i', validFrom: '2026-01-01T00:00:00Z', name: 'Same', description: 'Same', credentialSubject: [{ id: 'https://a.example/s', name: 'Same' }, { id: 'https://a.example/s', name: 'Same' }] },
      { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'urn:x-laurel-ph:0', type: ['VerifiableCredential'], issuer: 'https://a.example/i', validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: 'https://a.example/s' } },
    ];
    for (const doc of docs) {
      const stock = await outcome(() => stockCanonize(doc, documentLoader));
      for (let i = 0; i < 2; i++) expect(await outcome(() => canonizer.canonize(doc))).toEqual(stock);
    }
    expect(canonizer.stats().stock).toBeGreaterThan(0);
  });

  test('a document stock refuses (safe mode) is refused by the fast path too, then valid ones still work', async () => {
    const canonizer = createCanonizer({ documentLoader });
    const bad = { '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'urn:a', type: ['VerifiableCredential'], undefinedTerm: 'x', credentialSubject: {} };
    await expect(canonizer.canonize(bad)).rejects.toThrow();
    const good = { ...bad, undefinedTerm: undefined };
    delete good.undefinedTerm;
    expect(await canonizer.canonize(good)).toBe(await stockCanonize(good, documentLoader));
  });

  test('no scheme we template as an IRI is a term of any bundled context (compact IRIs would expand)', () => {
    const schemes = ['http', 'https', 'urn', 'did', 'mailto', 'data'];
    const terms = new Set<string>();
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { terms.add(k); walk(x); }
    };
    for (const ctx of builtInContexts().values()) walk(ctx);
    expect(schemes.filter((s) => terms.has(s))).toEqual([]);
    // nor a term that itself looks like an IRI of those schemes (a @vocab value equal to it would expand)
    expect([...terms].filter((t) => schemes.includes(t.split(':')[0]) && t.includes(':'))).toEqual([]);
  });
});
