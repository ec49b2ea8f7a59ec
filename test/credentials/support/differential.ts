import { generateKeyPairSync } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import type { DocumentLoader, Quad } from 'jsonld';
import { buildOpenBadgeCredential, type IssuerProfile } from '../../../src/credentials/builder';
import { createCanonizer, fastPathEligible, type Canonizer } from '../../../src/credentials/canonize';
import { createDocumentLoader, knownContextUrls } from '../../../src/credentials/contexts';
import { createDataIntegrityProof } from '../../../src/credentials/data-integrity';
import { ed25519RawPublicKey } from '../../../src/credentials/ed25519';
import { ed25519PublicKeyMultibase } from '../../../src/credentials/multibase';
import { verifyCredential, type VerifyDeps } from '../../../src/credentials/verify';
import { projectRoot } from '../../../src/paths';
import { randomFacts, sampleFacts } from './facts';

/**
 * Differential test of the two canonicalisation paths (DESIGN 9, issue 12): thousands of variants of
 * issued credentials, most of them hostile (inline contexts that re-map prefixes and terms, @vocab,
 * @base, @type coercions, nested and scoped contexts, odd literals, unicode). On every variant the
 * verifier's canonicalisation (fast path when eligible, stock otherwise) must equal the stock RDFC-1.0
 * of the jsonld release that @digitalbazaar/vc itself resolves, and the verifier must refuse every
 * variant whose stock verification fails. Any disagreement fails the build.
 */

// The reference is resolved from @digitalbazaar/vc's own directory, as Node resolves it for vc.
const vcDir = join(projectRoot, 'node_modules', '@digitalbazaar', 'vc');
const cryptosuiteDir = join(projectRoot, 'node_modules', '@digitalbazaar', 'eddsa-rdfc-2022-cryptosuite');
const referenceJsonldPath = require.resolve('jsonld', { paths: [vcDir] });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const referenceJsonld = require(referenceJsonldPath) as { toRDF(doc: object, options: object): Promise<Quad[]> };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const referenceRdfCanonize = require(require.resolve('rdf-canonize', { paths: [cryptosuiteDir] })) as { canonize(dataset: Quad[], options: object): Promise<string> };


const documentLoader: DocumentLoader = createDocumentLoader();

/** What `@digitalbazaar/eddsa-rdfc-2022-cryptosuite` does (lib/canonize.js), with vc's jsonld. */
async function referenceCanonize(document: object): Promise<string> {
  const dataset = await referenceJsonld.toRDF(document, { documentLoader, safe: true, base: null, rdfDirection: 'i18n-datatype', produceGeneralizedRdf: false, algorithm: 'RDFC-1.0' });
  return referenceRdfCanonize.canonize(dataset, { algorithm: 'RDFC-1.0', base: null, safe: true });
}

type Outcome = { nquads: string } | { error: true };
const outcome = (p: Promise<string>): Promise<Outcome> => p.then((nquads) => ({ nquads }), () => ({ error: true as const }));

type Json = Record<string, unknown>;
type Mutation = (doc: Json) => void;

const EVIL = 'https://evil.example/';
const PREFIXES = ['did', 'urn', 'https', 'http', 'mailto', 'xsd', 'schema', 'sec', 'cred', 'ex', 'obi', 'dc'];
const TERMS = ['name', 'description', 'narrative', 'achievement', 'criteria', 'identifier', 'salt', 'validFrom', 'value', 'targetName', 'image', 'caption', 'Achievement', 'Result', 'Profile', 'Image'];
const KNOWN_LISTS = [
  ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json'],
  ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json'],
  ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://w3id.org/security/data-integrity/v2'],
  ['https://www.w3.org/2018/credentials/v1', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  ['https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json', 'https://www.w3.org/ns/credentials/v2'],
];

const iri = fc.oneof(
  fc.constantFrom('https://evil.example/x', 'http://localhost:3000/x', 'urn:uuid:1', 'did:example:1', 'mailto:a@b.c', 'data:,x'),
  fc.constantFrom('relative/path', '../up', '#frag', '?q', '', ' https://a.example/sp', 'https://a.example/é', 'HTTPS://A.EXAMPLE/', 'xsd:string', 'schema:name', 'did:key', '_:b0', '_:b1', 'urn:x-laurel-ph:0', 'urn:x-laurel-ph:7', 'Percent', 'AchievementCredential', '@id', 'tag:a,b'),
  fc.webUrl(),
);
const oddString = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom('', ' ', '\u0000', '\ud800', 'e\u0301', '\u202e', '"\\', '\n\r\t', 'true', '1e21', '-0', 'NaN', '@type', '_:b0'),
  iri,
);
const oddLiteral: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e21, -0, 0.1 + 0.2, Number.MAX_SAFE_INTEGER + 2, 1.0, true, false, null),
  fc.record({ '@value': oddString, '@language': fc.constantFrom('en', 'en-US', 'x-bad_tag', '', 'EN') }),
  fc.record({ '@value': oddString, '@type': fc.constantFrom('xsd:date', 'http://www.w3.org/2001/XMLSchema#dateTime', 'https://evil.example/T', '@json', 'rdf:HTML') }),
  fc.record({ '@value': oddString, '@direction': fc.constantFrom('ltr', 'rtl'), '@language': fc.constantFrom('ar', 'he') }),
  fc.record({ '@id': iri }),
  fc.array(oddString, { maxLength: 3 }),
  fc.record({ '@list': fc.array(oddString, { maxLength: 2 }) }),
);

const inlineContext: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ '@vocab': iri }),
  fc.record({ '@base': iri }),
  fc.tuple(fc.constantFrom(...PREFIXES), iri).map(([p, to]) => ({ [p]: to })),
  fc.tuple(fc.constantFrom(...PREFIXES), iri).map(([p, to]) => ({ [p]: { '@id': to, '@prefix': true } })),
  fc.tuple(fc.constantFrom(...TERMS), iri).map(([t, to]) => ({ [t]: to })),
  fc.tuple(fc.constantFrom(...TERMS), iri, fc.constantFrom('@id', '@vocab', '@json', 'xsd:date', 'https://evil.example/T')).map(([t, to, type]) => ({ [t]: { '@id': to, '@type': type } })),
  fc.tuple(fc.constantFrom(...TERMS), fc.constantFrom('@language', '@index', '@set', '@list', '@graph')).map(([t, c]) => ({ [t]: { '@id': `${EVIL}${t}`, '@container': c } })),
  fc.tuple(fc.constantFrom(...TERMS), iri).map(([t, to]) => ({ [t]: { '@id': `${EVIL}${t}`, '@context': { '@vocab': to } } })),
  fc.constantFrom({ '@version': 1.1 }, { '@protected': true }, { '@language': 'fr' }, { '@direction': 'rtl' }, { '@propagate': false }, { '@import': 'https://www.w3.org/ns/credentials/v2' }, {}),
  fc.constantFrom('https://unknown.example/context.json', 'https://www.w3.org/ns/credentials/examples/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json', 'https://w3id.org/security/suites/ed25519-2020/v1'),
);

/** Every object in the document with its key path, so mutations can aim anywhere. */
function objects(doc: unknown, out: Json[] = []): Json[] {
  if (Array.isArray(doc)) doc.forEach((d) => objects(d, out));
  else if (doc && typeof doc === 'object') {
    out.push(doc as Json);
    for (const [k, v] of Object.entries(doc)) if (k !== '@context' && k !== 'proof') objects(v, out);
  }
  return out;
}

const pickObject = (doc: Json, n: number) => {
  const all = objects(doc);
  return all[n % all.length];
};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // contexts: inline objects or URLs, at any position of the top-level list
  fc.tuple(inlineContext, fc.nat()).map(([ctx, at]) => (doc: Json) => {
    const list = [...([] as unknown[]).concat(doc['@context'])];
    list.splice(at % (list.length + 1), 0, ctx);
    doc['@context'] = list;
  }),
  // a nested (embedded) context on any object
  fc.tuple(inlineContext, fc.nat()).map(([ctx, n]) => (doc: Json) => {
    pickObject(doc, n + 1)['@context'] = ctx;
  }),
  // another list of known contexts (stays eligible for the fast path)
  fc.constantFrom(...KNOWN_LISTS).map((list) => (doc: Json) => {
    doc['@context'] = [...list];
  }),
  fc.constantFrom('https://www.w3.org/ns/credentials/v2', ['https://www.w3.org/ns/credentials/v2'], []).map((ctx) => (doc: Json) => {
    doc['@context'] = ctx;
  }),
  // a value replaced by an odd literal, IRI or value object
  fc.tuple(fc.nat(), fc.nat(), oddLiteral).map(([n, k, value]) => (doc: Json) => {
    const target = pickObject(doc, n);
    const keys = Object.keys(target).filter((key) => key !== '@context');
    if (keys.length) target[keys[k % keys.length]] = value;
  }),
  // an id or type replaced (IRI handling, vocabulary terms)
  fc.tuple(fc.nat(), fc.constantFrom('id', 'type', '@id', '@type'), iri).map(([n, key, value]) => (doc: Json) => {
    pickObject(doc, n)[key] = value;
  }),
  // a new member: defined terms, undefined terms (safe mode), keywords
  fc.tuple(fc.nat(), fc.constantFrom('name', 'description', 'undefinedTerm', 'https://evil.example/p', 'xsd:p', '@reverse', '@included', '@index', '@nest', '@graph'), oddLiteral).map(([n, key, value]) => (doc: Json) => {
    pickObject(doc, n)[key] = value;
  }),
  // two strings made equal (collapsing nodes/quads)
  fc.tuple(fc.nat(), fc.nat(), fc.nat()).map(([a, b, k]) => (doc: Json) => {
    const all = objects(doc);
    const from = all[a % all.length];
    const to = all[b % all.length];
    const key = Object.keys(from).filter((x) => typeof from[x] === 'string' && x !== '@context')[k % 3];
    if (key) to[key] = from[key];
  }),
);

const issuerKeys = generateKeyPairSync('ed25519');
const mb = ed25519PublicKeyMultibase(ed25519RawPublicKey(issuerKeys.publicKey));
const issuer: IssuerProfile = { id: `did:key:${mb}`, type: ['Profile'], name: 'Differential University' };
const vm = `${issuer.id}#${mb}`;

/** A canonizer that remembers what it produced for each document, so the verifier's own run is compared. */
function recording(inner: Canonizer): Canonizer & { last: Map<string, Outcome> } {
  const last = new Map<string, Outcome>();
  return {
    last,
    stats: () => inner.stats(),
    async canonize(document) {
      const key = JSON.stringify(document);
      try {
        const nquads = await inner.canonize(document);
        last.set(key, { nquads });
        return nquads;
      } catch (error) {
        last.set(key, { error: true });
        throw error;
      }
    },
  };
}

/**
 * Declares the differential tests for `runs` variants from `seed`. Two test files share the 5,000+
 * variants of CI (different seeds), so jest's two workers run them in parallel.
 */
export function describeDifferential(seed: number, runs: number): void {
  const RUNS = Number(process.env.DIFF_RUNS ?? runs);
  const SEED = seed;
  describe(`fast and stock canonicalisation agree on generated credential variants (seed ${seed})`, () => {
    test('the reference is the jsonld release @digitalbazaar/vc resolves', () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const vcPackage = require(join(vcDir, 'package.json')) as { dependencies: Record<string, string> };
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const version = (require(join(referenceJsonldPath, '..', '..', 'package.json')) as { version: string }).version;
      expect(vcPackage.dependencies.jsonld).toBe('^9.0.0');
      expect(version.split('.')[0]).toBe('9');
    });

    test('the fast path takes only documents whose @context is a list of locally held URLs', () => {
      const known = knownContextUrls();
      const base = { '@context': KNOWN_LISTS[0], id: 'urn:a', credentialSubject: { id: 'urn:b' } };
      expect(fastPathEligible(base, known)).toBe(true);
      expect(fastPathEligible({ ...base, '@context': 'https://www.w3.org/ns/credentials/v2' }, known)).toBe(true);
      expect(fastPathEligible({ ...base, '@context': [...KNOWN_LISTS[0], { '@vocab': EVIL }] }, known)).toBe(false);
      expect(fastPathEligible({ ...base, '@context': [...KNOWN_LISTS[0], 'https://unknown.example/c'] }, known)).toBe(false);
      expect(fastPathEligible({ ...base, credentialSubject: { '@context': { did: EVIL }, id: 'did:x' } }, known)).toBe(false);
    expect(fastPathEligible({ ...base, credentialSubject: { '@context': [KNOWN_LISTS[0][1], { '@vocab': EVIL }], id: 'did:x' } }, known)).toBe(false);
    expect(fastPathEligible({ ...base, credentialSubject: { '@context': 'https://unknown.example/c', id: 'did:x' } }, known)).toBe(false);
    // A CLR embeds whole credentials, each with its own list of known contexts: still eligible.
    expect(fastPathEligible({ ...base, credentialSubject: { verifiableCredential: [{ '@context': KNOWN_LISTS[0], id: 'urn:c' }] } }, known)).toBe(true);
      expect(fastPathEligible({ ...base, '@context': [] }, known)).toBe(false);
      expect(fastPathEligible({ id: 'urn:a' }, known)).toBe(false);
    });

    test(`${RUNS} variants (seed ${SEED}): identical N-Quads, and the verifier refuses every variant stock verification refuses`, async () => {
      // Issued credentials of a few shapes, kept small: stock expansion costs ~0.2 ms per quad here.
      const sample = sampleFacts(issuer);
      const minimal = sampleFacts(issuer, { achievement: { ...sample.achievement, alignments: [], resultDescription: undefined, image: undefined }, evidence: undefined, result: undefined, validUntil: undefined });
      const shapes = [minimal, { ...minimal, name: 'Ünïcode 🎓 badge', description: 'e\u0301 "quoted" <b>' }, sampleFacts(issuer, { evidence: undefined, achievement: { ...sample.achievement, alignments: [] } }), randomFacts(issuer, 2)];
      const bases = await Promise.all(shapes.map(async (facts) => {
        const unsigned = buildOpenBadgeCredential(facts) as unknown as Json;
        const canonizer = createCanonizer({ documentLoader });
        const proof = await createDataIntegrityProof({ document: unsigned, key: { verificationMethod: vm, privateKey: issuerKeys.privateKey }, created: '2026-11-20T10:00:00Z', canonizer });
        const { proofValue: _v, ...proofConfig } = proof;
        const config = { '@context': unsigned['@context'], ...proofConfig };
        return { signed: { ...unsigned, proof: [proof] } as Json, proofConfig, docCanon: await referenceCanonize(unsigned), configCanon: await referenceCanonize(config) };
      }));
      const canonizer = recording(createCanonizer({ documentLoader, maxTemplates: 256 }));
      const deps: VerifyDeps = { canonizer, resolveDid: async () => undefined, now: new Date('2026-12-01T00:00:00Z') };
      const configCanons = new Map<string, Outcome>();
      const tally = { variants: 0, eligible: 0, stockVerified: 0, stockRefused: 0, ourVerified: 0 };

      await fc.assert(
        fc.asyncProperty(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), async (which, mutations) => {
          const base = bases[which];
          const variant = structuredClone(base.signed);
          for (const mutate of mutations) mutate(variant);
          const { proof: _proof, ...unsecured } = variant;
          tally.variants++;
          if (fastPathEligible(unsecured, knownContextUrls())) tally.eligible++;

          const reference = await outcome(referenceCanonize(unsecured));
          const result = await verifyCredential(variant, deps).catch(() => undefined);
          const ours = canonizer.last.get(JSON.stringify(unsecured)) ?? (await outcome(canonizer.canonize(unsecured)));
          expect(ours).toEqual(reference);

          // Stock verification of the unchanged proof: both hashes must be what was signed.
          const config = { '@context': variant['@context'], ...base.proofConfig };
          const configKey = JSON.stringify(config);
          let configCanon = configCanons.get(configKey);
          if (!configCanon) configCanons.set(configKey, (configCanon = await outcome(referenceCanonize(config))));
          const stockVerifies = 'nquads' in reference && reference.nquads === base.docCanon && 'nquads' in configCanon && configCanon.nquads === base.configCanon;
          if (stockVerifies) tally.stockVerified++;
          else tally.stockRefused++;
          if (result?.verified) tally.ourVerified++;
          if (!stockVerifies) expect(result?.verified ?? false).toBe(false);
          const proofCheck = result?.checks.find((c) => c.check === 'proof.data-integrity');
          if (proofCheck) expect(proofCheck.ok).toBe(stockVerifies);
        }),
        { seed: SEED, numRuns: RUNS, endOnFailure: true },
      );
      expect(tally.variants).toBeGreaterThanOrEqual(RUNS);
      // Both paths were exercised, and variants that keep their meaning still verify.
      expect(tally.eligible).toBeGreaterThan(RUNS / 5);
      expect(tally.eligible).toBeLessThan(RUNS);
      expect(canonizer.stats().hits).toBeGreaterThan(0);
      expect(tally.stockVerified).toBeGreaterThan(0);
      expect(tally.stockRefused).toBeGreaterThan(RUNS / 2);
      console.log(`canonize-differential: ${JSON.stringify({ ...tally, ...canonizer.stats() })}`);
    }, 240_000);
  });
}
