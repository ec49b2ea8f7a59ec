// Credential signing benchmarks. Prints one JSON object per line:
//   issue.stock_di_per_s   stock @digitalbazaar/vc eddsa-rdfc-2022 signing (one core)
//   sign.rs256_per_s       raw jose RS256 compact JWS signing (one core)
//   sign.di_per_s          our Data Integrity signing alone (one core)
//   sign.full_per_s        our full signing, both proofs (DI, then VC-JWT), one core and with worker threads
//   sign.full_vs_stock     sign.full_per_s on ONE thread / issue.stock_di_per_s on ONE thread, same run
//                          (interleaved rounds, so load changes hit both alike)
//   sign.full_nthreads_vs_stock_1thread  sign.full_per_s on N worker threads / stock on one thread:
//                          what the machine can sign, not a like-for-like ratio (named so)
// Each iteration signs a different credential (fresh ids, salts, scores) of the shape Laurel issues.
// Usage: node dist/scripts/bench/credentials.js [--seconds 3] [--threads N]
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { CompactSign } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { buildOpenBadgeCredential, type CredentialFacts, type IssuerProfile } from '../../src/credentials/builder';
import { createCanonizer } from '../../src/credentials/canonize';
import { createDocumentLoader } from '../../src/credentials/contexts';
import { createDataIntegrityProof, w3cDate } from '../../src/credentials/data-integrity';
import { signVcJwt } from '../../src/credentials/jwt';
import { measure } from './report';

const issuer: IssuerProfile = { id: 'did:web:localhost%3A3000', type: ['Profile'], name: 'Bench University', url: 'http://localhost:3000' };
const vm = `${issuer.id}#ed25519-bench`;
const kid = `${issuer.id}#rsa-bench`;

function facts(i: number): CredentialFacts {
  const a = `http://localhost:3000/achievements/${randomUUID()}`;
  return {
    id: `http://localhost:3000/credentials/${randomUUID()}`,
    issuer,
    achievement: {
      id: a, name: `Quiz ${i % 50} Master`, description: 'Scored at least 80% on the quiz.', criteria: { narrative: 'Score 80% or more.' },
      image: { id: `${a}/image` }, alignments: [{ targetName: 'Cell biology', targetUrl: 'https://example.org/frameworks/bio/cells', targetCode: 'BIO.1' }],
      resultDescription: { id: `${a}#score`, name: 'Score', resultType: 'Percent', requiredValue: '80' },
    },
    recipient: { email: `learner${i}@example.edu`, salt: randomBytes(16).toString('hex'), lti: { userId: `u-${i}`, contextId: 'ctx-1', platformId: 'https://canvas.example.edu' } },
    result: { value: (80 + (i % 20)).toFixed(1) },
    evidence: [{ id: `https://lms.example.edu/quiz/${i}`, name: 'Quiz', narrative: `Attempt ${i}` }],
    validFrom: new Date(), validUntil: new Date(Date.now() + 365 * 86400000), awardedDate: new Date(),
    status: { listId: 'l', statusListIndex: i, statusListCredential: 'http://localhost:3000/status-lists/3f1e4c1e-0000-4000-8000-000000000001' },
  };
}

interface Keys { ed: KeyObject; rsa: KeyObject }
function makeKeys(): Keys {
  return { ed: generateKeyPairSync('ed25519').privateKey, rsa: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
}

async function rate(seconds: number, fn: (i: number) => Promise<unknown>): Promise<{ perSecond: number; n: number }> {
  for (let i = 0; i < 20; i++) await fn(i); // warm-up (JIT, context and template caches)
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < seconds * 1000) await fn(n++);
  return { perSecond: n / ((performance.now() - start) / 1000), n };
}

/**
 * Runs the measurements in alternating short rounds so that a machine whose load changes during
 * the run (shared CI, other processes) affects every candidate alike and the ratios stay fair.
 */
async function interleaved(seconds: number, fns: Record<string, (i: number) => Promise<unknown>>): Promise<Record<string, number>> {
  const rounds = 6;
  const totals: Record<string, { n: number; ms: number }> = {};
  for (const [name, fn] of Object.entries(fns)) {
    for (let i = 0; i < 20; i++) await fn(i);
    totals[name] = { n: 0, ms: 0 };
  }
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(fns)) {
      const t = totals[name];
      const start = performance.now();
      while (performance.now() - start < (seconds * 1000) / rounds) await fn(t.n++);
      t.ms += performance.now() - start;
    }
  }
  return Object.fromEntries(Object.entries(totals).map(([name, t]) => [name, t.n / (t.ms / 1000)]));
}

function fullSigner(keys: Keys) {
  const canonizer = createCanonizer({ documentLoader: createDocumentLoader() });
  return async (i: number) => {
    const document = buildOpenBadgeCredential(facts(i));
    const proof = await createDataIntegrityProof({ document, key: { verificationMethod: vm, privateKey: keys.ed }, created: w3cDate(new Date()), canonizer });
    const credential = { ...document, proof: [proof] };
    return signVcJwt(credential, { kid, privateKey: keys.rsa });
  };
}

async function workerMain(): Promise<void> {
  const { seconds } = workerData as { seconds: number };
  const result = await rate(seconds, fullSigner(makeKeys()));
  parentPort!.postMessage(result.n / seconds);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const seconds = arg('seconds', 3);
  const threads = arg('threads', availableParallelism());
  const keys = makeKeys();
  const params = { seconds, cores: availableParallelism(), node: process.version };

  const documentLoader = createDocumentLoader();
  const jwk = { ...keys.ed.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
  const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: vm, controller: issuer.id });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite });
  const payload = new TextEncoder().encode(JSON.stringify(buildOpenBadgeCredential(facts(0))));
  const canonizer = createCanonizer({ documentLoader });
  const single = measure();
  const rates = await interleaved(seconds, {
    stock: (i) => vc.issue({ credential: buildOpenBadgeCredential(facts(i)), suite, documentLoader }),
    rs256: () => new CompactSign(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(keys.rsa),
    di: (i) => createDataIntegrityProof({ document: buildOpenBadgeCredential(facts(i)), key: { verificationMethod: vm, privateKey: keys.ed }, created: w3cDate(new Date()), canonizer }),
    full: fullSigner(keys),
  });
  const emit = single.emit;
  emit('issue.stock_di_per_s', rates.stock, 'credentials/s', { ...params, threads: 1 });
  emit('sign.rs256_per_s', rates.rs256, 'signatures/s', { ...params, threads: 1, modulusLength: 2048 });
  emit('sign.di_per_s', rates.di, 'credentials/s', { ...params, threads: 1 });
  emit('sign.full_per_s', rates.full, 'credentials/s', { ...params, threads: 1, proofs: 'eddsa-rdfc-2022+RS256' });
  emit('sign.full_vs_stock', rates.full! / rates.stock!, 'ratio', { ...params, threads: 1, stockThreads: 1, full_per_s: Math.round(rates.full!), stock_per_s: Math.round(rates.stock!) });
  if (threads > 1) {
    const multi = measure();
    const threadRates = await Promise.all(
      Array.from({ length: threads }, () => new Promise<number>((resolve, reject) => {
        const worker = new Worker(__filename, { workerData: { seconds } });
        worker.once('message', resolve);
        worker.once('error', reject);
      })),
    );
    const total = threadRates.reduce((a, b) => a + b, 0);
    multi.emit('sign.full_per_s', total, 'credentials/s', { ...params, threads, proofs: 'eddsa-rdfc-2022+RS256' });
    // The stock figure is the single-thread one measured above, in the same run.
    multi.emit('sign.full_nthreads_vs_stock_1thread', total / rates.stock!, 'ratio', { ...params, threads, stockThreads: 1 });
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  void workerMain();
}
