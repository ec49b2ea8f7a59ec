// Capacity simulation: how stored-credential throughput grows with worker processes against ONE
// PostgreSQL and ONE Redis. For each n in 1..--max-workers: --credentials awards are created
// (unsigned) and their issue jobs queued; then n worker processes (`node dist/src/main.js`,
// ROLE=worker, each with its signing threads) drain the issue queue while this process counts the
// stored credentials. Where the rate stops growing, the CPU split says why: the CPU seconds used by
// the workers and by PostgreSQL (its backends, found under the postmaster of BENCH_PG_DATA when
// npm run bench started a private one) per 1,000 credentials, next to the machine's cores.
// Prints per n:
//   scaling.credentials_per_s  params {workers, credentials, worker_cpu_ms_per_1k, postgres_cpu_ms_per_1k, cpu_busy_pct, ...}
// Usage: node dist/scripts/bench/scaling.js [--max-workers 3] [--credentials 2000]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { issueCredentialJob } from '../../src/badges/jobs/issue-credential';
import { closeContext } from '../../src/context';
import { createManualCourse } from '../../src/courses';
import { migrate } from '../../src/db';
import { projectRoot } from '../../src/paths';
import { cpuMsOf, machineTicks, postgresPids } from './cpu';
import { measure, numArg } from './report';
import { createScratch, dropScratch } from './scratch';

/** The build this script belongs to (dist/, or another outDir), whose Laurel it runs. */
const builtRoot = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const maxWorkers = numArg('max-workers', 3);
  const count = numArg('credentials', 2000);
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  const logs = join(projectRoot, '.data', 'bench-logs');
  mkdirSync(logs, { recursive: true });
  try {
    await migrate(database.pool);
    const url = new URL(config.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', DATABASE_URL: url.toString(), QUEUE_PREFIX: prefix, LOG_LEVEL: 'warn', ROLE: 'worker', WEB_PROCESSES: '1', WORKER_PROCESSES: '1' };
    spawnSync(process.execPath, [join(builtRoot, 'src', 'cli', 'main.js'), 'bootstrap'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const course = await createManualCourse(database.db, { title: 'Scaling bench' });
    const achievementId = (await database.pool.query(
      `insert into achievements (course_id, name, description, criteria_narrative, status) values ($1, 'Scale', 'Scaled.', 'Run the bench.', 'published') returning id`, [course.id],
    )).rows[0].id as string;
    for (let workers = 1; workers <= maxWorkers; workers++) {
      const { rows } = await database.pool.query<{ id: string }>(
        `with l as (insert into learners (email, name) select 'w${workers}-' || g || '@bench.example', 'Learner ' || g from generate_series(1, $1::int) g returning id)
         insert into awards (achievement_id, learner_id, course_id, score, evidence, source, awarded_by) select $2, l.id, $3, 90, '[]', 'rule', 'bench' from l returning id`,
        [count, achievementId, course.id],
      );
      const ids = rows.map((r) => r.id);
      // Workers first, then the work: their start-up (module loading, first connections) is not
      // counted. They are ready when their CPU use stops growing.
      const children: ChildProcess[] = Array.from({ length: workers }, (_, n) => {
        const log = openSync(join(logs, `scaling-${workers}-${n}.log`), 'w');
        // BENCH_PROFILE_DIR=dir writes a CPU profile of each worker process there (on exit).
        const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
        const child = spawn(process.execPath, [...profile, join(builtRoot, 'src', 'main.js')], { env, stdio: ['ignore', log, log] });
        closeSync(log);
        return child;
      });
      const workerCpuNow = () => children.reduce((sum, child) => sum + (child.pid ? cpuMsOf(child.pid) : 0), 0);
      for (let last = -1, i = 0; i < 240; i++) {
        await sleep(500);
        const now = workerCpuNow();
        if (last >= 0 && now - last < 25 * workers && now > 300 * workers) break;
        last = now;
      }
      const workerBefore = workerCpuNow();
      const pgPids = postgresPids();
      const pgBefore = pgPids.reduce((sum, pid) => sum + cpuMsOf(pid), 0);
      const machineBefore = machineTicks();
      const m = measure();
      const start = performance.now();
      for (let i = 0; i < ids.length; i += 500) await ctx.queues.enqueueBulk(issueCredentialJob, ids.slice(i, i + 500).map((awardId) => ({ payload: { awardId }, jobId: awardId })));
      const stored = async () => Number((await database.pool.query(`select count(*) from credentials where award_id = any($1::uuid[])`, [ids])).rows[0].count);
      let done = 0;
      let workerMs = 0;
      for (;;) {
        workerMs = Math.max(workerMs, workerCpuNow() - workerBefore);
        done = await stored();
        if (done >= count || performance.now() - start > 600_000) break;
        await sleep(250);
      }
      const seconds = (performance.now() - start) / 1000;
      workerMs = Math.max(workerMs, workerCpuNow() - workerBefore);
      const pgMs = postgresPids().reduce((sum, pid) => sum + cpuMsOf(pid), 0) - pgBefore;
      const machineAfter = machineTicks();
      await Promise.all(children.map((child) => new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(undefined);
        child.once('exit', resolve);
        child.kill('SIGTERM');
      })));
      const perThousand = (ms: number) => Math.round((ms * 1000) / Math.max(1, done));
      m.emit('scaling.credentials_per_s', done / seconds, 'credentials/s', {
        workers, credentials: count, stored: done, seconds: Math.round(seconds * 10) / 10,
        worker_cpu_ms_per_1k: perThousand(workerMs), postgres_cpu_ms_per_1k: pgPids.length ? perThousand(pgMs) : null,
        cpu_busy_pct: Math.round(((machineAfter.busy - machineBefore.busy) / Math.max(1, machineAfter.total - machineBefore.total)) * 1000) / 10,
        machine_cores: availableParallelism(),
      });
    }
  } finally {
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
