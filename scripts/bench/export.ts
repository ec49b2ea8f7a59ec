// Course export benchmark: the memory and time curve of `laurel export clr` as the course grows.
// For each course size (params.learners) it prints one JSON object per line:
//   export.seconds     wall time of the `laurel export clr --course ID --out DIR` process, start to exit
//   export.peak_mb     peak resident memory (RSS) of that process, its signing threads included
//                      (getrusage maxRSS read at exit, see export-probe.ts: exact, not sampled)
//   export.clr_per_s   signed CLRs written per second of that wall time
//   export.cpu_seconds CPU time of that process (all threads): on a shared, loaded machine wall time
//                      mostly measures the neighbours, CPU time / cores does not
// and at the end one line for the curve:
//   export.peak_mb_growth  peak MB of the largest course minus that of the smallest (flat memory: ~0),
//                      params.curve = [{learners, seconds, peak_mb, cpu_seconds}] per size
// What it measures: the real export path in its own process, as an operator runs it (keyset-paged
// reads from PostgreSQL, CLR building, BOTH proofs on every CLR (eddsa-rdfc-2022 Data Integrity and
// RS256 VC-JWT) by the credentials engine on the signing threads, JSON Lines + CSV written to disk).
// What it does not: badge issuing, or this process's seeding. The course is seeded in SQL: one
// learner's badges are issued and signed for real, and every other learner's credential rows reuse
// those signed documents unchanged (same shape and size as real ones; their embedded proofs stay
// valid, only their ids repeat). Sizes run smallest first; each grows the same course.
// Runs in a private PostgreSQL schema that is dropped afterwards.
// Usage: node dist/scripts/bench/export.js [--learners 1000,10000,50000] [--badges 5]
//          [--threads N (signing threads; default: Laurel's, cores minus one, 1 to 4)] [--cli PATH (another build's dist/src/cli/main.js, for before/after)]
// BENCH_EXPORT_NODE_FLAGS adds node flags to the export process (e.g. --trace-gc, --heap-prof).
import { spawn } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Pool } from 'pg';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import { loadConfig } from '../../src/config';
import { createManualCourse, enroll, upsertManualLearner } from '../../src/courses';
import { createDatabase, migrate } from '../../src/db';
import { transcriptOptions } from '../../src/transcripts';
import { arg, measure } from './report';

interface Run {
  seconds: number;
  peakMb: number;
  cpuSeconds: number;
  clrs: number;
}

/** Runs `laurel export clr` for the course in a child process; its peak RSS and CPU come from getrusage at its exit. */
async function runCli(props: { cli: string; courseId: string; out: string; databaseUrl: string; threads?: number }): Promise<Run> {
  const usageFile = join(props.out, '..', `rusage-${randomBytes(4).toString('hex')}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: props.databaseUrl, BENCH_RUSAGE_FILE: usageFile };
  if (props.threads !== undefined) env.TRANSCRIPTS_SIGN_THREADS = String(props.threads);
  const start = process.hrtime.bigint();
  // BENCH_EXPORT_NODE_FLAGS="--trace-gc" (say): node flags for the export process, its output on stderr.
  const flags = (process.env.BENCH_EXPORT_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...flags, '-r', join(__dirname, 'export-probe.js'), props.cli, 'export', 'clr', '--course', props.courseId, '--out', props.out], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (flags.length ? process.stderr.write(chunk) : (stdout += chunk.toString())));
  const code = await new Promise<number | null>((done, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => done(exitCode));
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (code !== 0) throw new Error(`laurel export clr exited with ${code}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKb: number; userUs: number; systemUs: number };
  rmSync(usageFile, { force: true });
  const clrs = await countLines(join(props.out, 'clr.jsonl'));
  process.stderr.write(`\n${stdout.trim().split('\n').map((l) => l.split('\t').map((c, i) => (i ? `${(Number(c) / 1e6).toFixed(1)} MB` : c)).join(' ')).join(', ')}\n`);
  return { seconds, peakMb: usage.maxRssKb / 1024, cpuSeconds: (usage.userUs + usage.systemUs) / 1e6, clrs };
}

/** Counts newlines without holding the file: clr.jsonl of 50,000 learners is ~2 GB. */
async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return lines;
}

async function main(): Promise<void> {
  const sizes = arg('learners', '1000,10000,50000').split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--learners takes positive integers, comma-separated');
  sizes.sort((a, b) => a - b);
  const badges = Number(arg('badges', '5'));
  const threadsArg = arg('threads', '');
  const threads = threadsArg === '' ? undefined : Number(threadsArg);
  const cli = resolve(arg('cli', join(__dirname, '..', '..', 'src', 'cli', 'main.js')));
  const config = loadConfig();
  const options = transcriptOptions(config);
  if (!options.clrContext) throw new Error('CLR 2.0.1 context not found: run laurel standards fetch');
  const signThreads = threads ?? options.signThreads;
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 4 });
  const databaseUrl = `${config.DATABASE_URL}${config.DATABASE_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const outRoot = mkdtempSync(join(tmpdir(), 'laurel-export-bench-'));
  try {
    await migrate(database.pool);
    const db = database.db as unknown as Kysely<unknown>;
    const badgesDeps: BadgesDeps = { db: database.db, credentials: createCredentialPort({ db, config: { ...config, ISSUE_SIGN_THREADS: 0 }, schema }), baseUrl: config.BASE_URL };
    const course = await createManualCourse(database.db, { title: 'Bench Biology' });
    const first = await upsertManualLearner(database.db, { email: 'learner0@example.edu', name: 'Learner 0' });
    await enroll(database.db, { courseId: course.id, learnerId: first.id, source: 'api' });
    for (let b = 0; b < badges; b += 1) {
      const a = await createAchievement(badgesDeps, { courseId: course.id, name: `Badge ${b + 1}`, description: `Badge ${b + 1}.`, criteriaNarrative: 'Score 80% or more.', requiredPercent: 80, actor: 'bench' });
      const { award } = await awardBadge(badgesDeps, { achievementId: a.id, learnerId: first.id, score: 90, actor: 'bench', source: 'manual' });
      await issueCredential(badgesDeps, { awardId: award.id });
    }
    let seeded = 1;
    const curve: { learners: number; seconds: number; peak_mb: number; cpu_seconds: number }[] = [];
    for (const learners of sizes) {
      const seedStart = Date.now();
      await growCourse(database.pool, { courseId: course.id, templateLearnerId: first.id, from: seeded, to: learners });
      seeded = Math.max(seeded, learners);
      process.stderr.write(`seeded ${learners} learners x ${badges} badges (+${((Date.now() - seedStart) / 1000).toFixed(1)} s)\n`);
      const out = join(outRoot, String(learners));
      const m = measure();
      const run = await runCli({ cli, courseId: course.id, out, databaseUrl, threads });
      if (run.clrs !== learners) throw new Error(`expected ${learners} CLRs, the export wrote ${run.clrs}`);
      rmSync(out, { recursive: true, force: true });
      const params = { learners, badges, signThreads, process: 'laurel export clr' };
      const emit = (name: string, value: number, unit: string) => m.emit(name, value, unit, params);
      emit('export.seconds', run.seconds, 's');
      emit('export.peak_mb', run.peakMb, 'MB');
      emit('export.clr_per_s', run.clrs / run.seconds, '1/s');
      emit('export.cpu_seconds', run.cpuSeconds, 's');
      process.stderr.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores\n`);
      curve.push({ learners, seconds: round(run.seconds), peak_mb: round(run.peakMb), cpu_seconds: round(run.cpuSeconds) });
    }
    if (curve.length > 1) {
      measure().emit('export.peak_mb_growth', curve.at(-1)!.peak_mb - curve[0]!.peak_mb, 'MB', { from: curve[0]!.learners, to: curve.at(-1)!.learners, badges, signThreads, curve });
    }
  } finally {
    rmSync(outRoot, { recursive: true, force: true });
    await database.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

/** Adds learners `from`..`to`-1 to the course, each holding every badge as a copy of the template learner's signed credentials. */
async function growCourse(pool: Pool, props: { courseId: string; templateLearnerId: string; from: number; to: number }): Promise<void> {
  if (props.to <= props.from) return;
  await pool.query(
    `with l as (
       insert into learners (email, name) select 'learner' || g || '@example.edu', 'Learner ' || g from generate_series($1::int, $2::int - 1) g returning id
     ), e as (insert into enrollments (course_id, learner_id, source) select $3, id, 'api' from l)
     insert into awards (achievement_id, learner_id, course_id, score, evidence, source, awarded_by)
     select a.id, l.id, $3, 80 + (random() * 20)::int, '[]', 'manual', 'bench' from l cross join achievements a where a.course_id = $3`,
    [props.from, props.to, props.courseId],
  );
  await pool.query(
    `insert into credentials (id, award_id, issuer_id, document, jws, issued_at)
     select gen_random_uuid(), aw.id, t.issuer_id, t.document, t.jws, now()
     from awards aw join awards src on src.achievement_id = aw.achievement_id and src.learner_id = $1
     join credentials t on t.award_id = src.id
     where aw.course_id = $2 and aw.credential_id is null and aw.learner_id <> $1`,
    [props.templateLearnerId, props.courseId],
  );
  await pool.query(`update awards set credential_id = c.id from credentials c where c.award_id = awards.id and awards.credential_id is null`);
  await pool.query('analyze');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

main().catch((error: unknown) => {
  process.stderr.write(`bench export: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
