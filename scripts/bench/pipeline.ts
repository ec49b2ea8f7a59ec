// End-to-end pipeline latency: API events arrive at a fixed rate (half of them take a new learner
// over the threshold); each awarding event goes ingest -> evaluate job -> award -> issue job ->
// signed credential stored. Latency = credential row created_at - the moment the 202 was received.
// Laurel runs as in production: one web process and `--workers` worker processes (`node
// dist/src/main.js` with ROLE=web / ROLE=worker) on the local PostgreSQL (a private schema) and Redis
// (a private queue prefix); this process is only the LMS and the stopwatch.
// Prints, per rate:
//   pipeline.p50_ms, pipeline.p99_ms   params {rate, seconds, events, awarding, completed, workers}
// Usage: node dist/scripts/bench/pipeline.js [--rates 100,500] [--seconds 60] [--drain 120] [--workers 3]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { closeContext } from '../../src/context';
import { createManualCourse } from '../../src/courses';
import { migrate } from '../../src/db';
import { projectRoot } from '../../src/paths';
import { createToken } from '../../src/tokens';
import { freePort } from '../faults/infra';
import { createScratch, dropScratch } from './scratch';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const rates = arg('rates', '100,500').split(',').map(Number);
  const seconds = Number(arg('seconds', '60'));
  const drainMs = Number(arg('drain', '120')) * 1000;
  const workerCount = Number(arg('workers', '3'));
  const { prefix, schema, config, admin, database, redis, ctx } = await createScratch();
  const children: ChildProcess[] = [];
  try {
    await migrate(database.pool);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const url = new URL(config.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env, NODE_ENV: 'production', DATABASE_URL: url.toString(), QUEUE_PREFIX: prefix, PORT: String(port), BASE_URL: base,
      LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000',
    };
    spawnSync(process.execPath, [join(projectRoot, 'dist', 'src', 'cli', 'main.js'), 'bootstrap'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const logs = join(projectRoot, '.data', 'bench-logs');
    mkdirSync(logs, { recursive: true });
    const spawnLaurel = (role: 'web' | 'worker', n: number) => {
      // Logs go to files: a pipe through this process would stall Laurel whenever the stopwatch is busy.
      const log = openSync(join(logs, `pipeline-${role}-${n}.log`), 'w');
      // BENCH_PROFILE_DIR=dir writes a CPU profile of each Laurel process there (on exit).
      const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
      children.push(spawn(process.execPath, [...profile, join(projectRoot, 'dist', 'src', 'main.js')], { env: { ...env, ROLE: role }, stdio: ['ignore', log, log] }));
      closeSync(log);
    };
    spawnLaurel('web', 0);
    for (let n = 1; n <= workerCount; n++) spawnLaurel('worker', n);
    for (let i = 0; i < 600 && (await fetch(`${base}/readyz`).catch(() => undefined))?.status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
    const token = (await createToken(database.db, { name: 'bench', scopes: ['admin'] })).token;
    const agent = new Agent({ keepAlive: true, maxSockets: 128 });
    const post = (path: string, body: unknown) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const data = JSON.stringify(body);
        const req = httpRequest(`${base}${path}`, { method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(data);
      });
    // Through the API, so the achievement has its issuer and published status as in production.
    const course = await createManualCourse(database.db, { title: 'Pipeline bench' });
    const achievement = JSON.parse((await post('/api/v1/achievements', { courseId: course.id, name: 'Half', description: 'd', criteria: { narrative: 'c' }, rule: { kind: 'score', assignmentId: 'A1', minPercent: 50 } })).body) as { id: string };

    for (const rate of rates) {
      const accepted = new Map<string, number>();
      const total = Math.round(rate * seconds);
      const start = performance.now();
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < total; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        const email = `r${rate}-l${i}@bench.example`;
        const awarding = i % 2 === 0;
        inflight.push(
          post('/api/v1/events', { id: `r${rate}-${i}`, courseId: course.id, learner: { email }, assignment: { id: 'A1' }, scoreGiven: awarding ? 90 : 10, scoreMaximum: 100, occurredAt: new Date().toISOString() }).then((res) => {
            if (res.status === 202 && awarding) accepted.set(email, Date.now());
          }),
        );
      }
      await Promise.all(inflight);
      // Wait until every awarding event has its credential (or the drain time runs out).
      const deadline = Date.now() + drainMs;
      let stored: { email: string; created_at: Date }[] = [];
      while (Date.now() < deadline) {
        stored = (
          await database.pool.query<{ email: string; created_at: Date }>(
            `select l.email, c.created_at from credentials c join awards a on a.id = c.award_id join learners l on l.id = a.learner_id where l.email like $1`,
            [`r${rate}-%`],
          )
        ).rows;
        if (stored.length >= accepted.size) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const latencies = stored.flatMap((r) => (accepted.has(r.email) ? [r.created_at.getTime() - accepted.get(r.email)!] : [])).sort((a, b) => a - b);
      const params = { rate, seconds, events: total, awarding: accepted.size, completed: latencies.length, workers: workerCount };
      console.log(JSON.stringify({ name: 'pipeline.p50_ms', value: percentile(latencies, 50), unit: 'ms', params }));
      console.log(JSON.stringify({ name: 'pipeline.p99_ms', value: percentile(latencies, 99), unit: 'ms', params }));
    }
    agent.destroy();
  } finally {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once('exit', resolve);
      child.kill('SIGTERM');
    })));
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
