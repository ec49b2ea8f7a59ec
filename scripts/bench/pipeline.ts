// Grade to badge, end to end, as a learner feels it: a Moodle site's companion plugin sends signed
// deliveries (the HMAC route, POST /events/moodle/:sourceId) at a fixed offered rate, half of them
// taking a new learner over the achievement's threshold. Each awarding event goes intake (committed
// before the 202) -> evaluate job -> award -> issue job -> signed credential stored.
// Latency = the credential row's creation time - the moment the load generator SENT the delivery
// (not when the 202 came back). Both clocks are this machine's.
// An awarding event whose credential is not stored when the drain ends is a FAILURE: it is counted in
// params.missing and the run reports no percentile (value null) rather than a flattering one.
// Laurel runs as in production: `--web-processes` web and `--worker-processes` worker processes
// (`node dist/src/main.js` with ROLE=web / ROLE=worker, default layout from the core count as
// `npm start` uses) on a private schema and queue prefix of the PostgreSQL and Redis of the
// environment (npm run bench gives them private servers); this process is only the LMS and the stopwatch.
// Prints, per offered rate (params.rate, events/s):
//   pipeline.p50_ms, pipeline.p90_ms, pipeline.p99_ms, pipeline.max_ms   (null when anything is missing)
//   pipeline.achieved_rate   events/s actually sent and acknowledged (202), next to the offered rate
//   params {rate, achieved_rate, seconds, events, awarding, stored, missing, refused, duplicates, web_processes, worker_processes}
// On stderr, per rate, where the time went: each stage's p50/p99, each queue's BullMQ wait and work,
// and per process over the measured window (send of the first delivery to the last credential) its
// CPU use and its event-loop delay (scripts/bench/probe.ts, preloaded into every Laurel process),
// next to PostgreSQL's, Redis's and this load generator's CPU and the machine's.
// Usage: node dist/scripts/bench/pipeline.js [--rates 100,500] [--seconds 30] [--drain 60] [--web-processes N] [--worker-processes N]
//   --worker-processes 0: no worker processes, the web processes run the jobs too (the combined layout)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { closeContext } from '../../src/context';
import { upsertLtiCourse, upsertPlatform } from '../../src/courses';
import { migrate } from '../../src/db';
import { createEventSource } from '../../src/events';
import { processLayout } from '../../src/layout';
import { createRedis } from '../../src/queue';
import { projectRoot } from '../../src/paths';
import { createToken } from '../../src/tokens';
import { freePort } from '../faults/infra';
import { cpuMsOf, machineTicks, postgresPids, redisPids } from './cpu';
import { arg, measure, numArg, percentile } from './report';
import { createScratch, dropScratch } from './scratch';

/** The build this script belongs to (dist/, or another outDir), whose Laurel it runs. */
const builtRoot = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Wall-clock milliseconds with sub-millisecond precision (comparable with PostgreSQL's now()). */
const wallNow = () => performance.timeOrigin + performance.now();

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const rates = arg('rates', '100,500').split(',').map(Number);
  const seconds = numArg('seconds', 30);
  const drainMs = numArg('drain', 60) * 1000;
  const layout = processLayout({ cores: availableParallelism(), env: process.env });
  const webCount = numArg('web-processes', layout.web);
  const workerCount = numArg('worker-processes', layout.workers);
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  const children: ChildProcess[] = [];
  const probeDir = mkdtempSync(join(tmpdir(), 'laurel-probe-'));
  try {
    await migrate(database.pool);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const url = new URL(config.DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env, NODE_ENV: 'production', DATABASE_URL: url.toString(), QUEUE_PREFIX: prefix, PORT: String(port), BASE_URL: base,
      LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '10000000', WEB_PROCESSES: '1', WORKER_PROCESSES: '1', BENCH_PROBE_DIR: probeDir,
    };
    const probe = ['--require', join(__dirname, 'probe.js')];
    spawnSync(process.execPath, [join(builtRoot, 'src', 'cli', 'main.js'), 'bootstrap'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    const logs = join(projectRoot, '.data', 'bench-logs');
    mkdirSync(logs, { recursive: true });
    // The web role runs the jobs too when there are no worker processes (the combined layout).
    const webRole = workerCount === 0 ? 'all' : 'web';
    const spawnLaurel = (role: 'web' | 'worker' | 'all', n: number, extra: NodeJS.ProcessEnv = {}) => {
      // Logs go to files: a pipe through this process would stall Laurel whenever the stopwatch is busy.
      const log = openSync(join(logs, `pipeline-${role}-${n}.log`), 'w');
      // BENCH_PROFILE_DIR=dir writes a CPU profile of each Laurel process there (on exit).
      const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
      children.push(spawn(process.execPath, [...probe, ...profile, join(builtRoot, 'src', 'main.js')], { env: { ...env, ROLE: role, ...extra }, stdio: ['ignore', log, log] }));
      closeSync(log);
    };
    // Several web processes share the port under node:cluster inside main.js (as npm start runs them).
    if (webCount > 1) spawnLaurel(webRole, 0, { WEB_PROCESSES: String(webCount), WORKER_PROCESSES: workerCount === 0 ? '0' : '1' });
    else spawnLaurel(webRole, 0, workerCount === 0 ? { WORKER_PROCESSES: '0' } : {});
    for (let n = 1; n <= workerCount; n++) spawnLaurel('worker', n);
    for (let i = 0; i < 600 && (await fetch(`${base}/readyz`).catch(() => undefined))?.status !== 200; i++) await sleep(100);

    // The Moodle site: platform, course (context id 2), the plugin's event source, one learner per event.
    const db = database.db;
    const platform = await upsertPlatform(db, { issuer: 'http://moodle.bench', clientId: 'bench', name: 'Bench Moodle', lms: 'moodle', authEndpoint: 'http://moodle.bench/auth', tokenEndpoint: 'http://moodle.bench/token', jwksUrl: 'http://moodle.bench/jwks' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: '2', title: 'Pipeline bench' });
    const source = await createEventSource(db, { kind: 'moodle', platformId: platform.id });
    const totalEvents = rates.reduce((sum, rate) => sum + Math.round(rate * seconds), 0);
    await database.pool.query(
      `insert into learners (platform_id, lti_user_id, name) select $1, (100000 + g)::text, 'Learner ' || g from generate_series(1, $2::int) g`,
      [platform.id, totalEvents],
    );
    await database.pool.query('analyze');
    // Through the API, so the achievement has its issuer and published status as in production.
    const token = (await createToken(database.db, { name: 'bench', scopes: ['admin'] })).token;
    const created = await fetch(`${base}/api/v1/achievements`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ courseId: course.id, name: 'Half', description: 'Half marks on the quiz.', criteria: { narrative: 'Score 50% or more on the quiz.' }, rule: { kind: 'score', assignmentId: '12', minPercent: 50 } }),
    });
    if (created.status !== 201) throw new Error(`achievement: ${created.status} ${await created.text()}`);

    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    const redisStats = createRedis(config.REDIS_URL, 'producer');
    if (redisStats.status !== 'ready') await new Promise((resolve) => redisStats.once('ready', resolve));
    let learnerSeq = 0;
    for (const rate of rates) {
      const total = Math.round(rate * seconds);
      // Every delivery built before the clock starts; the plugin signs each as it sends (microseconds).
      const deliveries = Array.from({ length: total }, (_, i) => {
        const user = String(100000 + ++learnerSeq); // Moodle user ids are numeric
        const awarding = i % 2 === 0;
        const body = JSON.stringify({
          schema: 'laurel.moodle.v1', id: `r${rate}-${i}`, event: 'user_graded', time: Math.floor(Date.now() / 1000),
          site: { url: 'http://moodle.bench' }, course: { id: '2', fullname: 'Pipeline bench' }, user: { id: user },
          item: { id: '12', name: 'Quiz', grademax: 100 }, grade: { finalgrade: awarding ? 90 : 10, hidden: false, excluded: false },
        });
        return { user, awarding, body };
      });
      const sentAt = new Map<string, number>();
      const statuses: Record<string, number> = {};
      let lastAck = 0;
      const send = (d: (typeof deliveries)[number]) =>
        new Promise<void>((resolve) => {
          const timestamp = Math.floor(Date.now() / 1000);
          const signature = `sha256=${createHmac('sha256', source.secret!).update(`${timestamp}.${d.body}`).digest('hex')}`;
          const req = httpRequest(`${base}/events/moodle/${source.id}`, {
            method: 'POST', agent,
            headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(d.body), 'x-laurel-timestamp': String(timestamp), 'x-laurel-signature': signature },
          }, (res) => {
            res.resume();
            res.on('end', () => {
              statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
              if (res.statusCode !== 202) sentAt.delete(d.user);
              lastAck = wallNow();
              resolve();
            });
          });
          req.on('error', () => {
            statuses.error = (statuses.error ?? 0) + 1;
            sentAt.delete(d.user);
            resolve();
          });
          if (d.awarding) sentAt.set(d.user, wallNow());
          req.end(d.body);
        });
      const statements = await statementStats(database.pool);
      const m = measure();
      const usage = cpuWindow();
      const workBefore = await roundTrips(database.pool, redisStats);
      const start = performance.now();
      const firstSend = wallNow();
      const inflight: Promise<void>[] = [];
      for (let i = 0; i < total; i++) {
        const wait = start + (i * 1000) / rate - performance.now();
        if (wait > 1) await sleep(wait);
        inflight.push(send(deliveries[i]!));
      }
      await Promise.all(inflight);
      const achievedRate = (statuses['202'] ?? 0) / ((lastAck - firstSend) / 1000);
      // Every awarding delivery counts, refused ones too: a refusal is a badge the learner never gets.
      const awarding = deliveries.filter((d) => d.awarding).length;
      const refused = total - (statuses['202'] ?? 0);
      // Wait until every accepted awarding event has its credential, or the drain time runs out.
      const users = deliveries.filter((d) => d.awarding).map((d) => d.user);
      const query = () => database.pool.query<{ lti_user_id: string; created_ms: number; credentials: number; awards: number }>(
        `select l.lti_user_id, extract(epoch from min(c.created_at)) * 1000 as created_ms, count(c.id)::int as credentials, count(distinct a.id)::int as awards
         from learners l join awards a on a.learner_id = l.id left join credentials c on c.award_id = a.id
         where l.platform_id = $1 and l.lti_user_id = any($2::text[]) group by l.lti_user_id`,
        [platform.id, users],
      );
      let rows = (await query()).rows;
      const deadline = Date.now() + drainMs;
      while (rows.filter((r) => r.credentials > 0).length < awarding && Date.now() < deadline) {
        await sleep(200);
        rows = (await query()).rows;
      }
      const cpu = usage.end();
      const work = (await roundTrips(database.pool, redisStats)).since(workBefore, total);
      const lastStored = Math.max(firstSend, ...rows.map((r) => Number(r.created_ms) || 0));
      const latencies = rows.flatMap((r) => (sentAt.has(r.lti_user_id) && r.credentials > 0 ? [Number(r.created_ms) - sentAt.get(r.lti_user_id)!] : [])).sort((a, b) => a - b);
      const stored = rows.filter((r) => r.credentials > 0).length;
      const duplicates = rows.filter((r) => r.awards > 1 || r.credentials > 1).length;
      const missing = awarding - stored;
      const params = {
        rate, achieved_rate: Math.round(achievedRate * 10) / 10, seconds, events: total, awarding, stored, missing, refused, duplicates, statuses,
        route: 'moodle-hmac', from: 'send', to: 'credential stored', web_processes: webCount, worker_processes: workerCount,
      };
      // Where the time went, per stage (medians and p99 over the awarding events, ms): send -> inbox
      // commit (intake), -> applied (evaluate queue wait + apply), -> award row, -> credential stored.
      // Not emitted as bench lines (stderr): a diagnostic for reading a run, not a target.
      const stages = (await database.pool.query<{ intake: number; applied: number; awarded: number; stored: number; lms_user_id: string }>(
        `select e.lms_user_id, extract(epoch from e.received_at) * 1000 as intake, extract(epoch from e.processed_at) * 1000 as applied,
                extract(epoch from a.awarded_at) * 1000 as awarded, extract(epoch from c.created_at) * 1000 as stored
         from score_events e join awards a on a.learner_id = e.learner_id join credentials c on c.award_id = a.id
         where e.scope = $1 and e.external_id like $2`, [source.id, `r${rate}-%`],
      )).rows;
      const spans = { intake: [] as number[], evaluate: [] as number[], award: [] as number[], issue: [] as number[] };
      for (const r of stages) {
        const sent = sentAt.get(r.lms_user_id);
        if (sent === undefined) continue;
        spans.intake.push(Number(r.intake) - sent);
        spans.evaluate.push(Number(r.applied) - Number(r.intake));
        spans.award.push(Number(r.awarded) - Number(r.applied));
        spans.issue.push(Number(r.stored) - Number(r.awarded));
      }
      const jobWaits = await queueWaits(prefix, config.REDIS_URL);
      process.stderr.write(`pipeline at ${rate}/s stages (p50/p99 ms): ${Object.entries(spans).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}; queue wait (processedOn - timestamp) / work (finishedOn - processedOn): ${jobWaits}\n`);
      process.stderr.write(`pipeline at ${rate}/s processes (${Math.round((lastStored - firstSend) / 100) / 10} s from first send to last credential; CPU ms per event over ${total} events): ${processReport(probeDir, firstSend, lastStored, total)}; ${cpu(total)}; ${work}\n`);
      process.stderr.write(`pipeline at ${rate}/s statements: ${await statements.report(total)}\n`);
      const failed = missing > 0 || duplicates > 0 || refused > 0;
      for (const [name, p] of [['pipeline.p50_ms', 50], ['pipeline.p90_ms', 90], ['pipeline.p99_ms', 99], ['pipeline.max_ms', 100]] as const) {
        m.emit(name, failed ? NaN : percentile(latencies, p), 'ms', params);
      }
      m.emit('pipeline.achieved_rate', achievedRate, 'events/s', params);
      if (failed) process.stderr.write(`pipeline at ${rate}/s: ${missing} awarding events without a credential, ${refused} refused, ${duplicates} duplicates: no percentile reported\n`);
    }
    agent.destroy();
    redisStats.disconnect();
  } finally {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve(undefined);
      child.once('exit', resolve);
      child.kill('SIGTERM');
    })));
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
    rmSync(probeDir, { recursive: true, force: true });
  }
}

/**
 * Work counted by the servers, robust to a busy machine where timings are not: PostgreSQL commits and
 * statements-ish (transactions, rows written) and Redis commands, per event. The whole servers are
 * counted (the bench's own polling too, a few per second).
 */
async function roundTrips(pool: import('pg').Pool, redis: ReturnType<typeof createRedis>) {
  const { rows } = await pool.query<{ xact_commit: string; tup_inserted: string; tup_updated: string }>(
    `select xact_commit, tup_inserted, tup_updated from pg_stat_database where datname = current_database()`);
  const info = await redis.info('stats');
  const commands = Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
  const now = { commits: Number(rows[0]!.xact_commit), written: Number(rows[0]!.tup_inserted) + Number(rows[0]!.tup_updated), commands };
  return {
    ...now,
    since(before: typeof now, events: number): string {
      const per = (a: number, b: number) => Math.round(((a - b) / events) * 100) / 100;
      // pg_stat_database is updated when a backend reports (at most every 500 ms idle): an approximation.
      return `per event: postgres commits ${per(now.commits, before.commits)}, rows written ${per(now.written, before.written)}, redis commands ${per(now.commands, before.commands)}`;
    },
  };
}

/**
 * PostgreSQL's time by statement (pg_stat_statements, when the private PostgreSQL loaded it:
 * BENCH_PG_STATEMENTS=1): from now until `report()`, the statements that took most of its time,
 * with calls per event and planning + execution ms per call. A diagnostic for reading a run.
 */
async function statementStats(pool: import('pg').Pool) {
  const available = await pool.query('create extension if not exists pg_stat_statements').then(() => pool.query('select pg_stat_statements_reset()')).then(() => true, () => false);
  return {
    async report(events: number): Promise<string> {
      if (!available) return 'not measured (pg_stat_statements not loaded: BENCH_PG_STATEMENTS=1 with npm run bench)';
      const { rows } = await pool.query<{ query: string; calls: string; plan_ms: number; exec_ms: number; rows: string }>(
        `select query, calls, total_plan_time as plan_ms, total_exec_time as exec_ms, rows from pg_stat_statements
         where query not like '%pg_stat_statements%' order by total_plan_time + total_exec_time desc limit 15`);
      const all = await pool.query<{ calls: string; ms: number }>(`select sum(calls) as calls, sum(total_plan_time + total_exec_time) as ms from pg_stat_statements`);
      const round = (n: number) => Math.round(n * 1000) / 1000;
      return `all: ${round(Number(all.rows[0]!.calls) / events)} statements/event, ${round(all.rows[0]!.ms / events)} ms/event (plan + execute);\n`
        + rows.map((r) => `  ${round(Number(r.calls) / events)}/event, plan ${round(r.plan_ms / Number(r.calls))} + exec ${round(r.exec_ms / Number(r.calls))} ms/call, total ${Math.round(r.plan_ms + r.exec_ms)} ms: ${r.query.replace(/\s+/g, ' ').slice(0, 160)}`).join('\n');
    },
  };
}

/**
 * CPU used from now until `end()`, as a share of one core (100% = one core busy): PostgreSQL and
 * Redis (when npm run bench started private ones), this load generator, and the whole machine.
 */
function cpuWindow() {
  const pgPids = postgresPids();
  const sum = (pids: number[]) => pids.reduce((total, pid) => total + cpuMsOf(pid), 0);
  const before = { pg: sum(pgPids), redis: sum(redisPids()), bench: process.cpuUsage(), machine: machineTicks(), at: performance.now() };
  return {
    end(): (events: number) => string {
      const ms = performance.now() - before.at;
      const bench = process.cpuUsage(before.bench);
      const machine = machineTicks();
      const busy = (machine.busy - before.machine.busy) / Math.max(1, machine.total - before.machine.total);
      // postgresPids() again: backends that started during the window count from zero.
      const pg = pgPids.length ? sum(postgresPids()) - before.pg : NaN;
      const redis = redisPids().length ? sum(redisPids()) - before.redis : NaN;
      return (events) => {
        const show = (cpuMs: number) => (Number.isNaN(cpuMs) ? 'n/a' : `${Math.round((cpuMs / ms) * 100)}% (${Math.round((cpuMs / events) * 100) / 100} ms/event)`);
        return `cpu (100% = one core) postgres ${show(pg)}, redis ${show(redis)}, load generator ${show((bench.user + bench.system) / 1000)}, `
          + `machine ${Math.round(busy * availableParallelism() * 100)}% of ${availableParallelism() * 100}%`;
      };
    },
  };
}

/** Per Laurel process (probe lines within [from, to]): mean CPU, CPU per event, and event-loop delay (median and worst of the per-second p99s, max). */
function processReport(dir: string, from: number, to: number, events: number): string {
  const parts: string[] = [];
  for (const file of readdirSync(dir).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n').filter(Boolean)
      .map((l) => JSON.parse(l) as { t: number; role: string; cpu_ms: number; loop_p99_ms: number; loop_max_ms: number })
      .filter((l) => l.t >= from && l.t <= to + 1000);
    if (lines.length === 0) continue;
    const p99s = lines.map((l) => l.loop_p99_ms).sort((a, b) => a - b);
    const cpuMs = lines.reduce((sum, l) => sum + l.cpu_ms, 0);
    parts.push(`${file.replace('.jsonl', '')} cpu ${Math.round(cpuMs / (lines.length * 10))}% (${Math.round((cpuMs / events) * 100) / 100} ms/event) loop delay p99 per second: median ${percentile(p99s, 50)} ms, worst ${p99s.at(-1)} ms (max ${Math.max(...lines.map((l) => l.loop_max_ms))} ms)`);
  }
  return parts.join('; ') || 'no probe lines';
}

const fmt = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? `${Math.round(percentile(sorted, 50))}/${Math.round(percentile(sorted, 99))}` : 'n/a';
};

/** Per queue, p50/p99 of how long completed jobs waited and ran (BullMQ keeps completed jobs' timestamps). */
async function queueWaits(prefix: string, redisUrl: string): Promise<string> {
  const redis = createRedis(redisUrl, 'producer');
  await new Promise((resolve) => redis.once('ready', resolve));
  try {
    const parts: string[] = [];
    for (const queue of ['evaluate', 'issue', 'notify']) {
      const ids = await redis.zrange(`${prefix}:${queue}:completed`, 0, -1);
      const waits: number[] = [];
      const work: number[] = [];
      const names = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 500) {
        const pipe = redis.pipeline();
        for (const id of ids.slice(i, i + 500)) pipe.hmget(`${prefix}:${queue}:${id}`, 'timestamp', 'processedOn', 'finishedOn', 'name');
        for (const [, v] of (await pipe.exec()) ?? []) {
          const [ts, on, fin, name] = (v as (string | null)[]).map((x) => x ?? '');
          if (!ts || !on || !fin) continue;
          waits.push(Number(on) - Number(ts));
          work.push(Number(fin) - Number(on));
          names.set(name!, (names.get(name!) ?? 0) + 1);
        }
      }
      parts.push(`${queue} [${[...names].map(([n, c]) => `${n}x${c}`).join(' ')}] wait ${fmt(waits)} work ${fmt(work)}`);
    }
    return parts.join('; ');
  } finally {
    redis.disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
