// Fault tests for the event pipeline (issue 5): real web and worker processes on private PostgreSQL
// and Redis, fed through POST /api/v1/events while faults are injected. Each scenario must end with
// 0 lost events, 0 duplicate awards and exactly the expected awards, every one signed.
// Prints one JSON line per scenario and a closing "N passed, N failed" line; exits 1 on any failure.
// Usage: npm run test:faults [-- --events 10000 --only baseline,kill-worker,redis-restart,postgres-restart,poison]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { config as loadDotenv } from 'dotenv';
import { Pool } from 'pg';
import { projectRoot } from '../../src/paths';
import { freePort, PrivatePostgres, PrivateRedis, removeDir } from './infra';

const { values: flags } = parseArgs({ options: { events: { type: 'string', default: '10000' }, only: { type: 'string' }, keep: { type: 'boolean', default: false } } });
const EVENTS = Number(flags.events);
if (!Number.isInteger(EVENTS) || EVENTS < 10) throw new Error('--events must be an integer of at least 10');
loadDotenv({ path: join(projectRoot, '.env'), quiet: true });

const main = join(projectRoot, 'dist', 'src', 'main.js');
const cli = join(projectRoot, 'dist', 'src', 'cli', 'main.js');
const log = (message: string) => process.stderr.write(`[faults] ${message}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Harness {
  env: NodeJS.ProcessEnv;
  base: string;
  token: string;
  db: Pool;
  pg: PrivatePostgres;
  redis: PrivateRedis;
  workers: ChildProcess[];
  root: string;
  spawnWorker(): ChildProcess;
}

function spawnLaurel(role: 'web' | 'worker', env: NodeJS.ProcessEnv, root: string, n: number): ChildProcess {
  // Logs go straight to a file: a pipe through this process would stall Laurel whenever we block.
  const log = openSync(join(root, `${role}-${n}.log`), 'a');
  const child = spawn(process.execPath, [main], { env: { ...env, ROLE: role }, stdio: ['ignore', log, log] });
  closeSync(log);
  return child;
}

async function api(h: Pick<Harness, 'base' | 'token'>, path: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${h.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Posts like an LMS integration would: retries on network errors and 5xx until accepted. */
async function deliver(h: Harness, event: Record<string, unknown>): Promise<'accepted' | 'duplicate'> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const res = await fetch(`${h.base}/api/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` }, body: JSON.stringify(event) });
      if (res.status === 202) return ((await res.json()) as { duplicate: boolean }).duplicate ? 'duplicate' : 'accepted';
      if (res.status < 500 && res.status !== 429) throw new Error(`event refused with ${res.status}: ${await res.text()}`);
    } catch (error) {
      if ((error as Error).message.startsWith('event refused') || attempt > 60) throw error;
    }
    await sleep(Math.min(250 * attempt, 2000));
  }
}

interface Plan {
  events: Record<string, unknown>[];
  unique: number;
  expectedAwards: number;
  newest: Map<string, number>;
}

/** 80% unique events (two per learner, older and newer, both passing or both failing), 20% repeats, shuffled. */
function plan(courseId: string, total: number, tag: string): Plan {
  const unique = Math.floor(total * 0.8) - (Math.floor(total * 0.8) % 2);
  const learners = unique / 2;
  const events: Record<string, unknown>[] = [];
  const newest = new Map<string, number>();
  for (let i = 0; i < learners; i += 1) {
    const email = `${tag}-${i}@faults.example`;
    const passing = i % 2 === 0;
    const [older, newer] = passing ? [60, 90] : [10, 30];
    newest.set(email, newer);
    for (const [k, score] of [[0, older], [1, newer]] as const) {
      events.push({ id: `${tag}-${i}-${k}`, courseId, learner: { id: email, email, name: `Learner ${i}` }, assignment: { id: 'A1', name: 'Quiz 1' }, scoreGiven: score, scoreMaximum: 100, occurredAt: new Date(Date.UTC(2026, 10, 20, 10, k)).toISOString() });
    }
  }
  const repeats = total - unique;
  for (let i = 0; i < repeats; i += 1) events.push(events[Math.floor(Math.random() * unique)]!);
  for (let i = events.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  return { events, unique, expectedAwards: Math.ceil(learners / 2), newest };
}

async function send(h: Harness, events: Record<string, unknown>[], fault?: () => Promise<void>): Promise<{ accepted: number; duplicates: number }> {
  let next = 0;
  let accepted = 0;
  let duplicates = 0;
  let faulted: Promise<void> | undefined;
  const faultAt = Math.floor(events.length * 0.3);
  const worker = async () => {
    while (next < events.length) {
      const i = next++;
      if (i === faultAt && fault) faulted = fault();
      (await deliver(h, events[i]!)) === 'accepted' ? (accepted += 1) : (duplicates += 1);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await faulted;
  return { accepted, duplicates };
}

async function settle(h: Harness, courseId: string, p: Plan, timeoutMs = 300_000) {
  const start = Date.now();
  for (;;) {
    const { rows } = await h.db.query(
      `select (select count(*) from score_events where course_id = $1)::int as stored,
              (select count(*) from score_events where course_id = $1 and status = 'processed')::int as processed,
              (select count(*) from awards a join achievements x on x.id = a.achievement_id where x.course_id = $1 and a.status <> 'revoked')::int as awards,
              (select count(*) from awards a join achievements x on x.id = a.achievement_id where x.course_id = $1 and a.credential_id is not null)::int as signed,
              (select count(*) from (select a.achievement_id, a.learner_id from awards a join achievements x on x.id = a.achievement_id
                 where x.course_id = $1 and a.status <> 'revoked' group by 1, 2 having count(*) > 1) d)::int as duplicate_awards`,
      [courseId],
    ).catch(() => ({ rows: [] as Record<string, number>[] }));
    const r = rows[0];
    if (r && r.processed === p.unique && r.signed === r.awards && r.awards >= p.expectedAwards) return r;
    if (Date.now() - start > timeoutMs) return r ?? { stored: -1, processed: -1, awards: -1, signed: -1, duplicate_awards: -1 };
    await sleep(500);
  }
}

async function newestMismatches(h: Harness, courseId: string, p: Plan): Promise<number> {
  const { rows } = await h.db.query<{ email: string; given: number }>(
    `select l.email, s.score_given::float as given from learner_scores s join learners l on l.id = s.learner_id where s.course_id = $1`,
    [courseId],
  );
  return rows.filter((r) => p.newest.get(r.email) !== r.given).length + Math.max(0, p.newest.size - rows.length);
}

async function scenario(h: Harness, name: string, fault?: (h: Harness) => Promise<void>) {
  const started = Date.now();
  const course = await api(h, '/api/v1/courses', { title: `Faults: ${name}` });
  await api(h, '/api/v1/achievements', { courseId: course.id, name: `Passed Quiz 1 (${name})`, description: 'At least half marks on Quiz 1.', criteria: { narrative: 'Score 50% or more on Quiz 1.' }, rule: { kind: 'score', assignmentId: 'A1', minPercent: 50 } });
  const p = plan(String(course.id), EVENTS, `${name}-${randomBytes(3).toString('hex')}`);
  const sent = await send(h, p.events, fault ? () => fault(h) : undefined);
  const r = await settle(h, String(course.id), p);
  const mismatches = await newestMismatches(h, String(course.id), p);
  const lost = p.unique - Number(r.stored);
  const ok = lost === 0 && r.duplicate_awards === 0 && r.awards === p.expectedAwards && r.signed === r.awards && mismatches === 0 && r.processed === p.unique;
  return { name: `faults.${name}`, ok, sent: p.events.length, unique: p.unique, accepted: sent.accepted, duplicatesAcknowledged: sent.duplicates, lost, duplicateAwards: r.duplicate_awards, awards: r.awards, expectedAwards: p.expectedAwards, signed: r.signed, olderOverwroteNewer: mismatches, seconds: Math.round((Date.now() - started) / 100) / 10 };
}

const scenarios: Record<string, (h: Harness) => Promise<Record<string, unknown>>> = {
  baseline: (h) => scenario(h, 'baseline'),
  'kill-worker': (h) =>
    scenario(h, 'kill-worker', async (hh) => {
      await sleep(1000);
      log('kill -9 of a worker mid-batch; a replacement starts');
      hh.workers.shift()!.kill('SIGKILL');
      hh.workers.push(hh.spawnWorker());
    }),
  'redis-restart': (h) =>
    scenario(h, 'redis-restart', async (hh) => {
      log('stopping Redis during ingest');
      await hh.redis.stop();
      await sleep(5000);
      log('starting Redis again');
      await hh.redis.start();
    }),
  'postgres-restart': (h) =>
    scenario(h, 'postgres-restart', async (hh) => {
      await sleep(1500);
      log('restarting PostgreSQL during issuing');
      hh.pg.restart();
    }),
  poison: async (h) => {
    // A course whose stored rule is corrupt: its event can never be evaluated. It must end in the
    // dead letters while the other course's events keep flowing.
    const poisoned = await api(h, '/api/v1/courses', { title: 'Faults: poison' });
    const x = await api(h, '/api/v1/achievements', { courseId: poisoned.id, name: 'Poisoned', description: 'd', criteria: { narrative: 'c' }, rule: { kind: 'score', assignmentId: 'P1', minPercent: 50 } });
    await h.db.query(`update achievements set rule = '{"kind":"no-such-rule"}' where id = $1`, [x.id]);
    const poisonId = `poison-${randomBytes(4).toString('hex')}`;
    await deliver(h, { id: poisonId, courseId: poisoned.id, learner: { id: 'p@faults.example', email: 'p@faults.example', name: 'P' }, assignment: { id: 'P1', name: 'P1' }, scoreGiven: 9, scoreMaximum: 10, occurredAt: new Date().toISOString() });
    const result = await scenario(h, 'poison');
    let letters = 0;
    for (let i = 0; i < 120 && letters === 0; i += 1) {
      const { rows } = await h.db.query(`select count(*)::int as n from dead_letters d join score_events e on e.id::text = d.payload->>'eventId' where e.external_id = $1`, [poisonId]);
      letters = rows[0].n;
      if (!letters) await sleep(500);
    }
    return { ...result, ok: Boolean(result.ok) && letters === 1, poisonDeadLettered: letters };
  },
};

async function start(): Promise<number> {
  const root = join(projectRoot, '.data', `faults-${randomBytes(4).toString('hex')}`);
  const pg = new PrivatePostgres(root, await freePort());
  const redis = new PrivateRedis(root, await freePort());
  const webPort = await freePort();
  log(`private PostgreSQL :${pg.port}, Redis :${redis.port}, Laurel :${webPort} under ${root}`);
  await pg.init();
  await redis.start();
  const env: NodeJS.ProcessEnv = {
    ...process.env, NODE_ENV: 'production', DATABASE_URL: pg.url, REDIS_URL: redis.url, QUEUE_PREFIX: 'faults', PORT: String(webPort), BASE_URL: `http://127.0.0.1:${webPort}`,
    LOG_LEVEL: 'warn', EVENT_RELAY_INTERVAL_MS: '2000', EVENT_RELAY_GRACE_MS: '5000', RATE_LIMIT_PER_MINUTE: '10000000', WORKER_CONCURRENCY: '16', DATABASE_POOL_MAX: '20',
    // One process per spawn: a kill here must kill the worker itself, not a supervisor of several.
    WEB_PROCESSES: '1', WORKER_PROCESSES: '1',
  };
  for (const step of [['migrate'], ['bootstrap']]) spawnSync(process.execPath, [cli, ...step], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const token = spawnSync(process.execPath, [cli, 'token', 'create', '--name', 'faults', '--scopes', 'admin'], { env, encoding: 'utf8' }).stdout.trim();
  let workerCount = 0;
  const processes: ChildProcess[] = [spawnLaurel('web', env, root, 0)];
  const h: Harness = {
    env, base: `http://127.0.0.1:${webPort}`, token, db: new Pool({ connectionString: pg.url, max: 4 }), pg, redis, workers: [], root,
    spawnWorker: () => {
      const w = spawnLaurel('worker', env, root, ++workerCount);
      processes.push(w);
      return w;
    },
  };
  h.db.on('error', () => undefined);
  h.workers.push(h.spawnWorker(), h.spawnWorker());
  for (let i = 0; i < 300; i += 1) {
    if ((await fetch(`${h.base}/readyz`).catch(() => undefined))?.status === 200) break;
    await sleep(100);
  }
  const selected = flags.only ? flags.only.split(',') : Object.keys(scenarios);
  let passed = 0;
  let failed = 0;
  let completed = false;
  try {
    for (const name of selected) {
      const run = scenarios[name];
      if (!run) throw new Error(`unknown scenario ${name}`);
      log(`scenario ${name}: ${EVENTS} events`);
      const result = await run(h);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      result.ok ? (passed += 1) : (failed += 1);
    }
    completed = true;
  } finally {
    for (const p of processes) p.kill('SIGKILL');
    await h.db.end();
    await redis.stop();
    pg.stop();
    if (!flags.keep && completed && failed === 0) removeDir(root);
    else log(`logs kept in ${root}`);
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

start().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`[faults] ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
