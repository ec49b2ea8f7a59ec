// HTTP ingest benchmark: signed LMS deliveries through the full web app into the durable inbox
// (committed before the 202), with their evaluation enqueued in Redis. Both signed intake routes:
// the Moodle companion plugin's HMAC route and Canvas Live Events (RS256 JWT, keys from a JWKS URL).
// Prints one JSON line per source:
//   ingest.events_per_s   accepted (202, stored) events per second,
//                         params {source: moodle-hmac | canvas-jwt, events, concurrency, web_processes,
//                         *_cpu_ms_per_1k, inbox_batch_mean (events per inbox INSERT), accepted, failed,
//                         stored (rows this source added), ...}
// Laurel's web app runs in `--web-processes` processes sharing one port (node:cluster), as replicas
// behind a load balancer would; the LMS is a separate process that signs every delivery before the
// clock starts (signing is the LMS's work, not Laurel's) and sends them over keep-alive connections.
// `server_cpu_ms_per_1k` / `client_cpu_ms_per_1k` / `db_cpu_ms_per_1k` / `redis_cpu_ms_per_1k`: CPU
// spent per 1,000 accepted events by Laurel's web processes, the load generator, PostgreSQL and Redis,
// steadier than throughput on a shared machine; `machine_cpu_ms_per_1k` is every process of the
// machine (so `other_cpu_ms_per_1k` is what other users took) and `client_cpu_share` the load
// generator's part of it. `stored` counts the inbox rows the run added (in the database, at the end);
// `lost` = 202s without a row (a run with any reports no rate). A private PostgreSQL schema and BullMQ prefix, dropped at the end.
// Usage: node dist/scripts/bench/ingest.js [--events 20000] [--concurrency 128] [--web-processes 2] [--sources moodle,canvas]
import cluster from 'node:cluster';
import { fork } from 'node:child_process';
import { createHmac, generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT } from 'jose';
import { connect } from 'node:net';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { parseConfig } from '../../src/config';
import { closeContext, createContext } from '../../src/context';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { createDatabase, migrate } from '../../src/db';
import { createEventSource, inboxBatchStats } from '../../src/events';
import { createLogger } from '../../src/log';
import { projectRoot } from '../../src/paths';
import { createRedis, Queues } from '../../src/queue';
import { createApp } from '../../src/app';
import { freePort } from '../faults/infra';
import { cpuCounters } from './proc-cpu';
import { measure } from './report';
import { createScratch, dropScratch } from './scratch';

interface LoadJob {
  kind: 'moodle' | 'canvas';
  /** Canvas: the private JWK the load generator signs Live Events with. */
  canvasKey?: JsonWebKey;
  port: number;
  path: string;
  secret: string;
  events: number;
  concurrency: number;
  learners: number;
}

interface LoadResult {
  ok: number;
  failed: number;
  ms: number;
  statuses: Record<string, number>;
  cpuMs: number;
}

function portOf(url: string): number | undefined {
  const port = Number(new URL(url).port);
  return port > 0 ? port : undefined;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Canvas Live Events (grade_change), each an RS256 JWT as Canvas's HTTPS delivery sends them. */
async function canvasRequests(job: LoadJob): Promise<Buffer[]> {
  const key = await importJWK({ ...job.canvasKey!, alg: 'RS256' } as Parameters<typeof importJWK>[0], 'RS256');
  const run = randomBytes(4).toString('hex');
  const requests: Buffer[] = [];
  for (let i = 0; i < job.events; i++) {
    const jwt = await new SignJWT({
      metadata: { event_name: 'grade_change', event_time: new Date(Date.now() - (job.events - i)).toISOString(), context_type: 'Course', context_id: '21070000000000565', request_id: `${run}-${i}` },
      body: { assignment_id: `2107000000000${String(100 + (i % 20))}`, submission_id: `${run}${i}`, student_id: `2107000000000${String(1 + (i % job.learners)).padStart(4, '0')}`, user_id: `2107000000000${String(1 + (i % job.learners)).padStart(4, '0')}`, score: i % 11, points_possible: 10, grade: String(i % 11), muted: false, grading_complete: true },
    }).setProtectedHeader({ alg: 'RS256', kid: 'bench-live-events' }).setIssuedAt().setIssuer('https://live-events.canvas.instructure.com').sign(key);
    requests.push(Buffer.from(
      `POST ${job.path} HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nContent-Type: application/jwt\r\nContent-Length: ${Buffer.byteLength(jwt)}\r\n\r\n${jwt}`,
    ));
  }
  return requests;
}

/** The LMS's deliveries, each signed (Canvas: RS256 JWT; Moodle: HMAC) as the LMS does on its side. */
async function prepareRequests(job: LoadJob): Promise<Buffer[]> {
  const run = randomBytes(4).toString('hex');
  return job.kind === 'canvas' ? canvasRequests(job) : Array.from({ length: job.events }, (_, i) => {
    const body = JSON.stringify({
      schema: 'laurel.moodle.v1', id: `bench-${run}-${i}`, event: 'user_graded', time: Math.floor(Date.now() / 1000) - (job.events - i),
      site: { url: 'http://moodle.bench' }, course: { id: '2', fullname: 'Bench course' },
      user: { id: String(1 + (i % job.learners)) },
      item: { id: String(100 + (i % 20)), module: 'quiz', instance: String(i % 20), itemnumber: 0, name: `Quiz ${i % 20}`, grademax: 10 },
      grade: { finalgrade: i % 11, hidden: false, excluded: false },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `sha256=${createHmac('sha256', job.secret).update(`${timestamp}.${body}`).digest('hex')}`;
    return Buffer.from(
      `POST ${job.path} HTTP/1.1\r\nHost: 127.0.0.1:${job.port}\r\nContent-Type: application/json\r\nX-Laurel-Timestamp: ${timestamp}\r\n` +
        `X-Laurel-Signature: ${signature}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}

/** The LMS sending its prepared deliveries, `concurrency` at a time over raw keep-alive sockets. */
async function sendLoad(job: LoadJob, requests: Buffer[]): Promise<Omit<LoadResult, 'cpuMs'> & { sendCpuMs: number }> {
  const statuses: Record<string, number> = {};
  let next = 0;
  const cpuBefore = process.cpuUsage();
  let ok = 0;
  let failed = 0;
  const connection = () =>
    new Promise<void>((resolve) => {
      const socket = connect(job.port, '127.0.0.1');
      socket.setNoDelay(true);
      let buffer: Buffer = Buffer.alloc(0);
      const send = () => {
        if (next >= job.events) return socket.end(resolve);
        socket.write(requests[next++]!);
      };
      socket.on('connect', send);
      socket.on('data', (chunk: Buffer) => {
        buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
        for (;;) {
          const end = buffer.indexOf('\r\n\r\n');
          if (end < 0) return;
          const head = buffer.subarray(0, end).toString('latin1');
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffer.length < end + 4 + length) return;
          const status = head.slice(9, 12);
          statuses[status] = (statuses[status] ?? 0) + 1;
          status === '202' ? ok++ : failed++;
          buffer = buffer.subarray(end + 4 + length);
          send();
        }
      });
      socket.on('error', () => {
        failed++;
        resolve();
      });
    });
  const start = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, connection));
  const cpu = process.cpuUsage(cpuBefore);
  return { ok, failed, ms: performance.now() - start, statuses, sendCpuMs: (cpu.user + cpu.system) / 1000 };
}

/** One web process: the full app on the bench's schema and queue prefix, on the shared port. */
async function serveWeb(): Promise<void> {
  const config = parseConfig({ ...process.env, LOG_LEVEL: 'silent', QUEUE_PREFIX: process.env.BENCH_PREFIX });
  const database = createDatabase({ url: config.DATABASE_URL, schema: process.env.BENCH_SCHEMA!, max: 10 });
  const redis = createRedis(config.REDIS_URL, 'producer');
  const ctx = createContext(config, { database, redis, queues: new Queues({ connection: redis, prefix: config.QUEUE_PREFIX }), logger: createLogger({ level: 'silent' }) });
  const server = createServer(await createApp(ctx));
  server.listen(Number(process.env.BENCH_PORT), '127.0.0.1', () => process.send!({ ready: true }));
  let since = process.cpuUsage();
  let batchesSince = inboxBatchStats();
  process.on('message', (message: { measure?: 'start' | 'stop' }) => {
    if (message.measure === 'start') {
      since = process.cpuUsage();
      batchesSince = inboxBatchStats();
    }
    if (message.measure === 'stop') {
      const cpu = process.cpuUsage(since);
      const batches = inboxBatchStats();
      process.send!({ cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000, batches: batches.batches - batchesSince.batches, batchedEvents: batches.events - batchesSince.events });
    }
  });
  process.once('disconnect', () => {
    server.close();
    void closeContext(ctx).finally(() => process.exit(0));
  });
}

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const events = arg('events', 20000);
  // Enough deliveries in flight to saturate the server (Canvas delivers from a fleet of queue consumers,
  // Moodle from every site's cron): at 64 the rate is partly bound by each batch's commit latency.
  const concurrency = arg('concurrency', 128);
  const webProcesses = arg('web-processes', 2);
  const learners = 500;
  const kinds = (process.argv.includes('--sources') ? process.argv[process.argv.indexOf('--sources') + 1]! : 'moodle,canvas').split(',') as ('moodle' | 'canvas')[];
  const canvasEvents = arg('canvas-events', Math.min(events, 10000));
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  try {
    await migrate(database.pool);
    const db = database.db;
    const platform = await upsertPlatform(db, { issuer: 'http://moodle.bench', clientId: 'bench', name: 'Bench Moodle', lms: 'moodle', authEndpoint: 'http://moodle.bench/auth', tokenEndpoint: 'http://moodle.bench/token', jwksUrl: 'http://moodle.bench/jwks' });
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: '2', title: 'Bench course' });
    for (let u = 1; u <= learners; u++) await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: String(u) });
    // Canvas: global ids (2107...0565 is course 565, 2107...0001 learner 1), as Live Events send them.
    const canvas = await upsertPlatform(db, { issuer: 'https://canvas.bench', clientId: '10000000000001', name: 'Bench Canvas', lms: 'canvas', authEndpoint: 'https://canvas.bench/auth', tokenEndpoint: 'https://canvas.bench/token', jwksUrl: 'https://canvas.bench/jwks' });
    await upsertLtiCourse(db, { platformId: canvas.id, deploymentRowId: null, contextId: 'ctx-565', title: 'Bench Canvas course', lmsCourseId: '565' });
    for (let u = 1; u <= learners; u++) await upsertLtiLearner(db, { platformId: canvas.id, ltiUserId: `sub-${u}`, lmsUserId: String(u) });
    // The Data Services JWKS: a tiny server in this process (Laurel caches the keys after one fetch).
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench-live-events', alg: 'RS256', use: 'sig' }] });
    const jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const sources = {
      moodle: await createEventSource(db, { kind: 'moodle', platformId: platform.id }),
      canvas: await createEventSource(db, { kind: 'canvas', platformId: canvas.id, jwksUrl: `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks` }),
    };
    const port = await freePort();
    // BENCH_PROFILE_DIR=dir writes a CPU profile of each web process there.
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
    cluster.setupPrimary({ exec: __filename, args: ['--web-server'], execArgv: [...process.execArgv, ...profile], silent: false });
    const web = Array.from({ length: webProcesses }, () => cluster.fork({ BENCH_SCHEMA: schema, BENCH_PREFIX: prefix, BENCH_PORT: String(port) }));
    await Promise.all(web.map((w) => new Promise((resolve) => w.once('message', resolve))));
    // The load generator starts and signs its deliveries (about 0.5 ms of CPU per Canvas RS256 JWT)
    // before `onReady` starts the clock and every CPU counter: signing is the LMS's work on its own
    // machine, so it must not count as this machine's cost per event (it once made half of the Canvas
    // run's machine CPU look like "other users").
    const load = (job: LoadJob, onReady: () => void = () => undefined) =>
      new Promise<LoadResult>((resolve, reject) => {
        const child = fork(__filename, ['--load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.on('message', (message: { prepared?: true } & Partial<LoadResult>) => {
          if (message.prepared) {
            onReady();
            child.send({ go: true });
            return;
          }
          resolve(message as LoadResult);
          child.kill();
        });
        child.once('error', reject);
        child.send(job);
      });
    const storedRows = async () => Number((await database.pool.query(`select count(*) from score_events`)).rows[0].count);
    for (const kind of kinds) {
      const source = sources[kind];
      const job = { kind, canvasKey: kind === 'canvas' ? privateKey.export({ format: 'jwk' }) : undefined, port, path: `/events/${kind}/${source.id}`, secret: source.secret ?? '', concurrency, learners };
      // Canvas events are RS256-signed by the generator before the clock starts (about 1 ms each).
      const count = kind === 'canvas' ? canvasEvents : events;
      await load({ ...job, events: Math.min(2000, count) }); // warm-up
      const before = await storedRows();
      let others: ReturnType<typeof cpuCounters> | undefined;
      let m: ReturnType<typeof measure> | undefined;
      const result = await load({ ...job, events: count }, () => {
        for (const w of web) w.send({ measure: 'start' });
        others = cpuCounters({ postgresPort: portOf(config.DATABASE_URL), redisPort: portOf(config.REDIS_URL) });
        m = measure();
      });
      const cpu = await Promise.all(web.map((w) => new Promise<{ cpuMs: number; sysMs: number; batches: number; batchedEvents: number }>((resolve) => {
        w.once('message', resolve);
        w.send({ measure: 'stop' });
      })));
      const used = others!.since();
      const stored = (await storedRows()) - before;
      // Every delivery is a distinct event, so each 202 must have added one inbox row: an acknowledged
      // event without its row is a broken durability promise, and such a run reports no rate.
      const lost = Math.max(0, result.ok - stored);
      const perThousand = (ms: number | undefined) => (ms === undefined ? null : Math.round((ms * 1000) / Math.max(1, result.ok)));
      const serverMs = cpu.reduce((sum, c) => sum + c.cpuMs, 0);
      const accounted = [serverMs, result.cpuMs, used.dbMs, used.redisMs].every((v) => v !== undefined) ? serverMs + result.cpuMs + used.dbMs! + used.redisMs! : undefined;
      m!.emit('ingest.events_per_s', lost > 0 ? null : (result.ok / result.ms) * 1000, 'events/s', {
        source: kind === 'moodle' ? 'moodle-hmac' : 'canvas-jwt', events: count, concurrency, web_processes: webProcesses,
        server_cpu_ms_per_1k: perThousand(serverMs), server_sys_ms_per_1k: perThousand(cpu.reduce((sum, c) => sum + c.sysMs, 0)),
        client_cpu_ms_per_1k: perThousand(result.cpuMs), db_cpu_ms_per_1k: perThousand(used.dbMs), redis_cpu_ms_per_1k: perThousand(used.redisMs),
        // All processes of the machine while the clock ran; "other" is what neither Laurel, the load
        // generator, PostgreSQL nor Redis used (other users of a shared machine, the kernel's share).
        machine_cpu_ms_per_1k: perThousand(used.machineMs), other_cpu_ms_per_1k: perThousand(used.machineMs === undefined || accounted === undefined ? undefined : used.machineMs - accounted),
        client_cpu_share: used.machineMs ? Math.round((result.cpuMs / used.machineMs) * 1000) / 1000 : null,
        // Mean rows per inbox INSERT (one commit each): a batch's fixed cost is shared by this many events.
        inbox_batch_mean: Math.round((cpu.reduce((sum, c) => sum + c.batchedEvents, 0) / Math.max(1, cpu.reduce((sum, c) => sum + c.batches, 0))) * 10) / 10,
        seconds: Math.round(result.ms) / 1000, accepted: result.ok, failed: result.failed, stored, lost, statuses: result.statuses,
      });
    }
    for (const w of web) w.disconnect();
    jwksServer.close();
  } finally {
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

if (process.argv.includes('--load-generator')) {
  process.once('message', (job) => {
    void prepareRequests(job as LoadJob).then((requests) => {
      process.once('message', () => {
        void sendLoad(job as LoadJob, requests).then((result) => {
          // Only the sending is the LMS's cost under measurement; signing happened before the clock.
          process.send!({ ...result, cpuMs: result.sendCpuMs });
        });
      });
      process.send!({ prepared: true });
    });
  });
} else if (process.argv.includes('--web-server')) {
  serveWeb().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
