// Issuing benchmark: fully signed credentials per second through the real use-case, issueCredential
// (award read, status-list entry from a reserved range, OB 3.0 build, eddsa-rdfc-2022 Data Integrity
// proof, RS256 VC-JWT, locked multi-row insert), against the PostgreSQL of the environment in a
// throw-away schema, `--concurrency` calls in flight as the issue queue's worker runs them. Not
// included: the issue job's queue side effects (pipeline.* measures those end to end).
// Prints JSON lines:
//   issue.credentials_per_s  {sign_threads: 0}: one Node thread reads, builds, signs and stores
//                            {sign_threads: N}: the main thread reads, builds and stores, N worker threads sign
//                            (PostgreSQL runs in its own processes on the same machine in both cases)
//   issue.stock_di_per_s     stock @digitalbazaar/vc eddsa-rdfc-2022 signing on ONE thread (Data Integrity
//                            proof only: no VC-JWT, no status entry, no insert) of the credentials
//                            issueCredential stored in this run (proof removed, a fresh id each), with the
//                            same in-memory context loader Laurel uses; measured right before and right after
//                            each issuing run, averaged
//   issue.mainthread_vs_stock_1thread   credentials_per_s {sign_threads: 0} / stock on one thread around it
//   issue.nthreads_vs_stock_1thread     credentials_per_s {sign_threads: N} / stock on ONE thread around it:
//                            the issue-18 target (>= 10x): the machine's stored rate against one stock thread
//   issue.stock_di_nthreads_per_s       stock as above on N threads at once, around the N-thread run
//   issue.nthreads_vs_stock_nthreads    credentials_per_s {sign_threads: N} / stock on N threads: like for like,
//                            both sides using the machine
// Each issue.credentials_per_s line also says where the CPU went, in ms per stored credential (steadier
// than the rate on a shared machine): the bench process's main thread (reads, builds, stores), the
// whole bench process (signing threads and the GC's helpers too), its private PostgreSQL, and the
// machine (every process; "other" = neither this process nor PostgreSQL: other users, the kernel).
// read_ms_mean / sign_ms_mean / store_ms_mean: mean ms a credential spent reading its award (batch wait
// included), in the port's sign call (thread queue included) and storing (batch wait and commit).
// Usage: node dist/scripts/bench/issue.js [--count 2000] [--threads N] [--concurrency 64] [--stock-seconds 3]
//        [--layouts 0,N]  the sign-thread counts to run (default: 0 and --threads)
//        [--warm-seconds 1.5]  issuing before each measured run (as stock is warmed: at least 1.5 s)
// BENCH_ISSUE_PROFILE=dir: a CPU profile of the main thread during each measured issuing run only
// (issue-main-<threads>.cpuprofile), without the set-up and the stock measurements around it.
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { createDocumentLoader } from '../../src/credentials/contexts';
import type { Kysely } from 'kysely';
import { Pool } from 'pg';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import { loadConfig, type Config } from '../../src/config';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { createDatabase, migrate, quoteIdent, type Database } from '../../src/db';
import { measure } from './report';
import { cpuCounters, threadCpuMs } from './proc-cpu';

/** Per credential, when its sign call started and ended (the port is wrapped; nothing else changes). */
const signTimes = new Map<string, { start: number; end: number }>();

function depsFor(database: Database, config: Config, schema: string, signThreads: number): BadgesDeps {
  const port = createCredentialPort({ db: database.db as unknown as Kysely<unknown>, config: { ...config, ISSUE_SIGN_THREADS: signThreads }, schema });
  const credentials: typeof port = {
    ...port,
    async sign(db, facts) {
      const start = performance.now();
      const signed = await port.sign(db, facts);
      signTimes.set(facts.credentialId, { start, end: performance.now() });
      return signed;
    },
  };
  return { db: database.db, credentials, baseUrl: config.BASE_URL };
}

/** Issues every award with `concurrency` loops (I/O of one overlaps the signing of another). */
async function issueAll(deps: BadgesDeps, awardIds: string[], concurrency: number): Promise<Record<string, number>> {
  let next = 0;
  signTimes.clear();
  const stages = { read: 0, sign: 0, store: 0 };
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < awardIds.length) {
        const start = performance.now();
        const { created, credential } = await issueCredential(deps, { awardId: awardIds[next++]! });
        if (!created) throw new Error('bench award was already issued');
        const sign = signTimes.get(credential.id)!;
        stages.read += sign.start - start;
        stages.sign += sign.end - sign.start;
        stages.store += performance.now() - sign.end;
      }
    }),
  );
  // Mean ms a credential spent in each stage (waiting for its batch or thread included).
  const mean = (ms: number) => Math.round((ms / awardIds.length) * 100) / 100;
  return { read_ms_mean: mean(stages.read), sign_ms_mean: mean(stages.sign), store_ms_mean: mean(stages.store) };
}

/**
 * Stock Data Integrity signing (what `issue.credentials_per_s` is compared with) on this thread: a rate
 * function. It signs the credentials the real path built (the same shape and size: a simpler credential
 * would make stock look faster than it is on Laurel's documents), each call with a fresh id so no two
 * signed documents are equal, through the same in-memory context loader as Laurel's signer.
 */
async function stockSigner(documents: readonly Record<string, unknown>[]): Promise<(seconds: number) => Promise<number>> {
  const documentLoader = createDocumentLoader();
  const issuer = documents[0]!.issuer as { id: string };
  const privateKey = generateKeyPairSync('ed25519').privateKey;
  const jwk = { ...privateKey.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
  const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: `${issuer.id}#stock-key`, controller: issuer.id });
  const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite });
  const credential = (i: number) => ({ ...documents[i % documents.length]!, id: `http://localhost:3000/credentials/${randomUUID()}` });
  // Warmed up like the issuing side (which runs a warm-up batch first): a cold JIT would count against stock.
  const warm = performance.now();
  for (let i = 0; i < 30 || performance.now() - warm < 1500; i++) await vc.issue({ credential: credential(i), suite, documentLoader });
  return async (seconds) => {
    let n = 0;
    const start = performance.now();
    while (performance.now() - start < seconds * 1000) await vc.issue({ credential: credential(n++), suite, documentLoader });
    return n / ((performance.now() - start) / 1000);
  };
}

/**
 * The same stock signing on `threads` worker threads at once, each warmed up like the main thread's:
 * `measure(seconds)` answers their summed rate. Threads idle between measurements; `close` ends them.
 */
async function stockOnThreads(documents: readonly Record<string, unknown>[], threads: number) {
  const workers = await Promise.all(
    Array.from({ length: threads }, () => new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(__filename, { workerData: { documents } satisfies StockWorkerData });
      worker.once('message', () => resolve(worker)); // warmed up
      worker.once('error', reject);
    })),
  );
  const rateOf = (worker: Worker, seconds: number) => new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.postMessage(seconds);
  });
  return {
    measure: async (seconds: number) => (await Promise.all(workers.map((w) => rateOf(w, seconds)))).reduce((a, b) => a + b, 0),
    close: () => Promise.all(workers.map((w) => w.terminate())),
  };
}

interface StockWorkerData {
  documents: readonly Record<string, unknown>[];
}

async function stockWorkerMain(): Promise<void> {
  const { documents } = workerData as StockWorkerData;
  const rate = await stockSigner(documents);
  parentPort!.postMessage('ready');
  parentPort!.on('message', (seconds: number) => void rate(seconds).then((r) => parentPort!.postMessage(r)));
}

/** Documents issueCredential stored in this schema (at most 64), without their proofs. */
async function storedDocuments(database: Database): Promise<Record<string, unknown>[]> {
  const { rows } = await database.pool.query<{ document: Record<string, unknown> }>('select document from credentials order by issued_at limit 64');
  if (rows.length === 0) throw new Error('no stored credential to give the stock signer');
  return rows.map(({ document: { proof: _proof, ...unsigned } }) => unsigned);
}

/** The main thread's CPU profile while `stop` is not called (BENCH_ISSUE_PROFILE=dir), else undefined. */
async function startProfile(): Promise<{ stop(name: string): Promise<void> } | undefined> {
  const dir = process.env.BENCH_ISSUE_PROFILE;
  if (!dir) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    async stop(name) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(join(dir, name), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

function portOf(url: string): number | undefined {
  const port = Number(new URL(url).port);
  return port > 0 ? port : undefined;
}

/**
 * Issues fresh awards until at least `minimum` credentials and `seconds` of issuing (the set-up of the
 * awards not counted): key caches filled, threads started and the JIT past its optimising compiles, as
 * the stock side is warmed by time. perf showed V8's optimising compiler threads at ~0.2 ms per
 * credential during a measured run that followed a 90-credential warm-up: a process that issues all day
 * pays that once, not per credential.
 */
async function warmUp(deps: BadgesDeps, minimum: number, concurrency: number, seconds: number): Promise<void> {
  let issued = 0;
  let issuingMs = 0;
  while (issued < minimum || issuingMs < seconds * 1000) {
    const ids = await prepare(deps, 200);
    const start = performance.now();
    await issueAll(deps, ids, concurrency);
    issuingMs += performance.now() - start;
    issued += ids.length;
  }
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
  const warmSeconds = arg('warm-seconds', 1.5);
  const layoutsAt = argv.indexOf('--layouts');
  const layouts = layoutsAt >= 0 ? argv[layoutsAt + 1]!.split(',').map(Number) : [0, threads];
  const config = loadConfig();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${quoteIdent(schema)}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 12 });
  try {
    await migrate(database.pool);
    const params = { count, concurrency, node: process.version, proofs: 'eddsa-rdfc-2022+RS256', stored: true, path: 'issueCredential', status: 'range', insert: 'multi-row' };
    // The stock rates are measured right before and right after each issuing run and averaged, so a
    // change of load during the run weighs on both sides of the ratio alike.
    let stockRate: ((seconds: number) => Promise<number>) | undefined;
    let documents: Record<string, unknown>[] = [];
    const stockRates: number[] = [];
    const results: { signThreads: number; rate: number; stock: number; stockN?: number }[] = [];
    for (const signThreads of layouts) {
      const deps = depsFor(database, config, schema, signThreads);
      const awards = await prepare(deps, count);
      await warmUp(deps, 50 + 20 * signThreads, concurrency, warmSeconds);
      if (!stockRate) {
        documents = await storedDocuments(database);
        stockRate = await stockSigner(documents);
      }
      const m = measure();
      const stockBefore = await stockRate(stockSeconds / 2);
      const stockThreads = signThreads > 0 ? await stockOnThreads(documents, signThreads) : undefined;
      const stockNBefore = await stockThreads?.measure(stockSeconds / 2);
      const others = cpuCounters({ postgresPort: portOf(config.DATABASE_URL) });
      const mainBefore = threadCpuMs();
      const processBefore = process.cpuUsage();
      const profiler = await startProfile();
      const start = performance.now();
      const stageMs = await issueAll(deps, awards, concurrency);
      const rate = count / ((performance.now() - start) / 1000);
      const processUsed = process.cpuUsage(processBefore);
      const mainAfter = threadCpuMs();
      const used = others.since();
      await profiler?.stop(`issue-main-${signThreads}.cpuprofile`);
      const perCredential = (ms: number | undefined) => (ms === undefined ? null : Math.round((ms / count) * 1000) / 1000);
      const processMs = (processUsed.user + processUsed.system) / 1000;
      const cpu = {
        main_thread_cpu_ms_per_credential: perCredential(mainBefore === undefined || mainAfter === undefined ? undefined : mainAfter - mainBefore),
        process_cpu_ms_per_credential: perCredential(processMs),
        db_cpu_ms_per_credential: perCredential(used.dbMs),
        machine_cpu_ms_per_credential: perCredential(used.machineMs),
        other_cpu_ms_per_credential: perCredential(used.machineMs === undefined || used.dbMs === undefined ? undefined : used.machineMs - processMs - used.dbMs),
      };
      const stockNAfter = await stockThreads?.measure(stockSeconds / 2);
      await stockThreads?.close();
      const stockAfter = await stockRate(stockSeconds / 2);
      stockRates.push(stockBefore, stockAfter);
      const stored = Number((await database.pool.query('select count(*) from credentials c join awards a on a.credential_id = c.id')).rows[0].count);
      const layout = signThreads > 0 ? `main thread reads, builds and stores; ${signThreads} worker threads sign` : 'one thread reads, builds, signs and stores';
      m.emit('issue.credentials_per_s', rate, 'credentials/s', { ...params, sign_threads: signThreads, layout, processes: 1, postgres: 'own processes, same machine', stored_total: stored, ...cpu, ...stageMs });
      const stockN = stockNBefore !== undefined && stockNAfter !== undefined ? (stockNBefore + stockNAfter) / 2 : undefined;
      results.push({ signThreads, rate, stock: (stockBefore + stockAfter) / 2, stockN });
      await deps.credentials.close?.();
    }
    const m = measure();
    const stock = stockRates.reduce((a, b) => a + b, 0) / stockRates.length;
    const stockParams = { proofs: 'eddsa-rdfc-2022', stored: false, credential: 'the documents issueCredential stored in this run, proof removed, fresh id each', documents: documents.length, node: process.version };
    m.emit('issue.stock_di_per_s', stock, 'credentials/s', { ...stockParams, threads: 1, seconds: stockSeconds * results.length, measured: 'around each issuing run' });
    for (const r of results) {
      const ratioParams = { credentials_per_s: Math.round(r.rate), sign_threads: r.signThreads, stock_threads: 1, stock_di_per_s_around_run: Math.round(r.stock) };
      if (r.signThreads === 0) m.emit('issue.mainthread_vs_stock_1thread', r.rate / r.stock, 'ratio', ratioParams);
      else m.emit('issue.nthreads_vs_stock_1thread', r.rate / r.stock, 'ratio', ratioParams);
      if (r.stockN !== undefined) {
        m.emit('issue.stock_di_nthreads_per_s', r.stockN, 'credentials/s', { ...stockParams, threads: r.signThreads, seconds: stockSeconds, measured: 'around the issuing run with the same number of signing threads' });
        m.emit('issue.nthreads_vs_stock_nthreads', r.rate / r.stockN, 'ratio', { credentials_per_s: Math.round(r.rate), sign_threads: r.signThreads, stock_threads: r.signThreads, stock_di_per_s_around_run: Math.round(r.stockN) });
      }
    }
  } finally {
    await database.close();
    await admin.query(`drop schema if exists ${quoteIdent(schema)} cascade`);
    await admin.end();
  }
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  void stockWorkerMain();
}
