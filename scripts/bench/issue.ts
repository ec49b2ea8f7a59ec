// Issuing benchmark: fully signed credentials per second through the real use-case, issueCredential
// (award row lock, status-list entry, OB 3.0 build, eddsa-rdfc-2022 Data Integrity proof, RS256
// VC-JWT, insert), against the local PostgreSQL in a throw-away schema. Prints JSON lines:
//   issue.credentials_per_s  {threads: 1} and {threads: N}: awards signed and stored per second
// Usage: node dist/scripts/bench/issue.js [--count 600] [--threads N] [--concurrency 8]
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import { Pool } from 'pg';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import { loadConfig, type Config } from '../../src/config';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { createDatabase, migrate, quoteIdent, type Database } from '../../src/db';
import { measure } from './report';

interface Shard {
  schema: string;
  warmup: string[];
  awardIds: string[];
  concurrency: number;
}

function depsFor(database: Database, config: Config): BadgesDeps {
  const credentials = createCredentialPort({ db: database.db as unknown as Kysely<unknown>, config });
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

/** A worker thread: own pool, own signer; warms up, waits for "go", issues its shard. */
async function workerMain(): Promise<void> {
  const shard = workerData as Shard;
  const config = loadConfig();
  const database = createDatabase({ url: config.DATABASE_URL, schema: shard.schema, max: shard.concurrency + 1 });
  const deps = depsFor(database, config);
  await issueAll(deps, shard.warmup, 1);
  parentPort!.postMessage('ready');
  await new Promise((resolve) => parentPort!.once('message', resolve));
  await issueAll(deps, shard.awardIds, shard.concurrency);
  await database.close();
  parentPort!.postMessage('done');
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

async function runThreads(schema: string, warmup: string[], awardIds: string[], threads: number, concurrency: number): Promise<number> {
  const per = Math.ceil(awardIds.length / threads);
  const perWarm = Math.ceil(warmup.length / threads);
  const workers = Array.from({ length: threads }, (_, t) => new Worker(__filename, {
    workerData: { schema, concurrency, warmup: warmup.slice(t * perWarm, (t + 1) * perWarm), awardIds: awardIds.slice(t * per, (t + 1) * per) } satisfies Shard,
  }));
  const message = (worker: Worker, expected: string) => new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', (m) => (m === expected ? resolve() : reject(new Error(`unexpected ${String(m)}`))));
  });
  await Promise.all(workers.map((w) => message(w, 'ready')));
  const start = performance.now();
  const done = workers.map((w) => message(w, 'done'));
  for (const w of workers) w.postMessage('go');
  await Promise.all(done);
  const seconds = (performance.now() - start) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  return awardIds.length / seconds;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : fallback;
  };
  const count = arg('count', 600);
  const threads = arg('threads', availableParallelism());
  const concurrency = arg('concurrency', 8);
  const config = loadConfig();
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${quoteIdent(schema)}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: concurrency + 2 });
  try {
    await migrate(database.pool);
    const deps = depsFor(database, config);
    const warmup = await prepare(deps, 20 + 10 * threads);
    const single = await prepare(deps, count);
    const multi = threads > 1 ? await prepare(deps, count) : [];
    const params = { count, concurrency, cores: availableParallelism(), node: process.version, proofs: 'eddsa-rdfc-2022+RS256', stored: true, path: 'issueCredential' };

    await issueAll(deps, warmup.slice(0, 20), 1);
    const m1 = measure();
    const start = performance.now();
    await issueAll(deps, single, concurrency);
    const rate = count / ((performance.now() - start) / 1000);
    // The machine's load average goes with each figure: on a shared two-core box it explains a lot.
    m1.emit('issue.credentials_per_s', rate, 'credentials/s', { ...params, threads: 1 });
    if (threads > 1) {
      const mn = measure();
      const multiRate = await runThreads(schema, warmup.slice(20), multi, threads, concurrency);
      mn.emit('issue.credentials_per_s', multiRate, 'credentials/s', { ...params, threads });
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
  workerMain().catch((error: unknown) => {
    process.stderr.write(`bench worker failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
