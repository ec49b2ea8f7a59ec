// Issuing benchmark: fully signed credentials per second through the real use-case, issueCredential
// (award read, status-list entry from a reserved range, OB 3.0 build, eddsa-rdfc-2022 Data Integrity
// proof, RS256 VC-JWT, locked multi-row insert), against the PostgreSQL of the environment in a
// throw-away schema, `--concurrency` calls in flight as the issue queue's worker runs them.
// Prints JSON lines:
//   issue.credentials_per_s  {sign_threads: 0}: one process, everything on its one thread
//                            {sign_threads: N}: one process, signing on N worker threads (the default)
//   issue.stock_di_per_s     stock @digitalbazaar/vc eddsa-rdfc-2022 signing alone, one thread, this run
//   issue.vs_stock           each issue.credentials_per_s / issue.stock_di_per_s of this run (params.sign_threads)
// Usage: node dist/scripts/bench/issue.js [--count 2000] [--threads N] [--concurrency 64] [--stock-seconds 3]
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { buildOpenBadgeCredential } from '../../src/credentials/builder';
import { createDocumentLoader } from '../../src/credentials/contexts';
import type { Kysely } from 'kysely';
import { Pool } from 'pg';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import { loadConfig, type Config } from '../../src/config';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { createDatabase, migrate, quoteIdent, type Database } from '../../src/db';
import { measure } from './report';

function depsFor(database: Database, config: Config, schema: string, signThreads: number): BadgesDeps {
  const credentials = createCredentialPort({ db: database.db as unknown as Kysely<unknown>, config: { ...config, ISSUE_SIGN_THREADS: signThreads }, schema });
  return { db: database.db, credentials, baseUrl: config.BASE_URL };
}

/** Issues every award with `concurrency` loops (I/O of one overlaps the signing of another). */
async function issueAll(deps: BadgesDeps, awardIds: string[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < awardIds.length) {
        const { created } = await issueCredential(deps, { awardId: awardIds[next++]! });
        if (!created) throw new Error('bench award was already issued');
      }
    }),
  );
}

/** Stock Data Integrity signing (what `issue.credentials_per_s` is compared with), one thread: a rate function. */
async function stockSigner(): Promise<(seconds: number) => Promise<number>> {
  const documentLoader = createDocumentLoader();
  const issuerId = 'did:web:localhost%3A3000';
  const privateKey = generateKeyPairSync('ed25519').privateKey;
  const jwk = { ...privateKey.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
  const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: `${issuerId}#key-1`, controller: issuerId });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite });
  const credential = (i: number) => buildOpenBadgeCredential({
    id: `http://localhost:3000/credentials/${randomUUID()}`, issuer: { id: issuerId, type: ['Profile'], name: 'Bench University', url: 'http://localhost:3000' },
    achievement: { id: 'http://localhost:3000/achievements/1', name: 'Bench Badge', description: 'Scored at least 80% on the bench quiz.', criteria: { narrative: 'Score 80% or more.' } },
    recipient: { email: `bench${i}@example.edu`, salt: randomBytes(16).toString('hex') }, result: undefined, validFrom: new Date(), awardedDate: new Date(),
    status: { listId: 'l', statusListIndex: i, statusListCredential: 'http://localhost:3000/status-lists/3f1e4c1e-0000-4000-8000-000000000001' },
  });
  for (let i = 0; i < 30; i++) await vc.issue({ credential: credential(i), suite, documentLoader });
  return async (seconds) => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) await vc.issue({ credential: credential(n++), suite, documentLoader });
    return n / ((performance.now() - start) / 1000);
  };
}

async function prepare(deps: BadgesDeps, count: number): Promise<string[]> {
  const course = await createManualCourse(deps.db, { title: 'Bench course' });
  const achievement = await createAchievement(deps, {
    courseId: course.id,
    name: 'Bench Badge',
    description: 'Scored at least 80% on the bench quiz.',
    criteriaNarrative: 'Score 80% or more on the bench quiz.',
    alignments: [{ targetName: 'Benchmarking', targetUrl: 'https://example.org/skills/bench', targetCode: 'B1' }],
    rule: { kind: 'score', assignmentId: 'bench-quiz', minPercent: 80 },
    validForDays: 365,
    actor: 'bench',
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - i) }, async (_, j) => {
        const learner = await upsertManualLearner(deps.db, { email: `bench${i + j}@example.edu`, name: `Learner ${i + j}` });
        const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 80 + ((i + j) % 20), evidence: [{ name: 'Bench quiz' }], actor: 'bench', source: 'rule' });
        return award.id;
      }),
    );
    ids.push(...batch);
  }
  return ids;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const count = arg('count', 2000);
  const threads = arg('threads', Math.min(4, availableParallelism()));
  const concurrency = arg('concurrency', 64);
  const stockSeconds = arg('stock-seconds', 3);
  const config = loadConfig();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${quoteIdent(schema)}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 12 });
  try {
    await migrate(database.pool);
    const params = { count, concurrency, node: process.version, proofs: 'eddsa-rdfc-2022+RS256', stored: true, path: 'issueCredential', status: 'range', insert: 'multi-row' };
    // The stock rate is measured right before and right after each issuing run and averaged, so a
    // change of load during the run weighs on both sides of the ratio alike.
    const stockRate = await stockSigner();
    const stockRates: number[] = [];
    const results: { signThreads: number; rate: number; stock: number }[] = [];
    for (const signThreads of [0, threads]) {
      const deps = depsFor(database, config, schema, signThreads);
      const warmup = await prepare(deps, 50 + 20 * signThreads);
      const awards = await prepare(deps, count);
      await issueAll(deps, warmup, Math.min(concurrency, 8)); // JIT, key caches, threads started
      const m = measure();
      const stockBefore = await stockRate(stockSeconds / 2);
      const start = performance.now();
      await issueAll(deps, awards, concurrency);
      const rate = count / ((performance.now() - start) / 1000);
      const stockAfter = await stockRate(stockSeconds / 2);
      stockRates.push(stockBefore, stockAfter);
      const stored = Number((await database.pool.query('select count(*) from credentials c join awards a on a.credential_id = c.id')).rows[0].count);
      m.emit('issue.credentials_per_s', rate, 'credentials/s', { ...params, sign_threads: signThreads, processes: 1, stored_total: stored });
      results.push({ signThreads, rate, stock: (stockBefore + stockAfter) / 2 });
      await deps.credentials.close?.();
    }
    const m = measure();
    const stock = stockRates.reduce((a, b) => a + b, 0) / stockRates.length;
    m.emit('issue.stock_di_per_s', stock, 'credentials/s', { threads: 1, seconds: stockSeconds * results.length, measured: 'around each issuing run', node: process.version });
    for (const r of results) m.emit('issue.vs_stock', r.rate / r.stock, 'ratio', { sign_threads: r.signThreads, credentials_per_s: Math.round(r.rate), stock_di_per_s_around_run: Math.round(r.stock) });
  } finally {
    await database.close();
    await admin.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
