// HTTP ingest benchmark: signed Moodle plugin deliveries through the full web app into the durable
// inbox (committed before the 202), with their evaluation enqueued in Redis. Prints one JSON line:
//   ingest.events_per_s   accepted (202, stored) events per second,
//                         params {events, concurrency, web_processes, source, *_cpu_ms_per_1k, ...}
// Laurel's web app runs in `--web-processes` processes sharing one port (node:cluster), as replicas
// behind a load balancer would; the LMS is a separate process that signs every delivery before the
// clock starts (signing is the LMS's work, not Laurel's) and sends them over keep-alive connections.
// `server_cpu_ms_per_1k` / `client_cpu_ms_per_1k`: CPU spent per 1,000 accepted events, steadier
// than throughput on a shared machine. A private PostgreSQL schema and BullMQ prefix, dropped at the end.
// Usage: node dist/scripts/bench/ingest.js [--events 20000] [--concurrency 128] [--web-processes 2]
import cluster from 'node:cluster';
import { fork } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { parseConfig } from '../../src/config';
import { closeContext, createContext } from '../../src/context';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { createDatabase, migrate } from '../../src/db';
import { createEventSource } from '../../src/events';
import { createLogger } from '../../src/log';
import { projectRoot } from '../../src/paths';
import { createRedis, Queues } from '../../src/queue';
import { createApp } from '../../src/web/app';
import { freePort } from '../faults/infra';
import { createScratch, dropScratch } from './scratch';

interface LoadJob {
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

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The LMS: every delivery signed up front, then sent `concurrency` at a time over raw keep-alive sockets. */
async function generateLoad(job: LoadJob): Promise<Omit<LoadResult, 'cpuMs'>> {
  const run = randomBytes(4).toString('hex');
  const requests = Array.from({ length: job.events }, (_, i) => {
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
  const statuses: Record<string, number> = {};
  let next = 0;
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
  return { ok, failed, ms: performance.now() - start, statuses };
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
  process.on('message', (message: { measure?: 'start' | 'stop' }) => {
    if (message.measure === 'start') since = process.cpuUsage();
    if (message.measure === 'stop') {
      const cpu = process.cpuUsage(since);
      process.send!({ cpuMs: (cpu.user + cpu.system) / 1000, sysMs: cpu.system / 1000 });
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
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  try {
    await migrate(database.pool);
    const db = database.db;
    const platform = await upsertPlatform(db, { issuer: 'http://moodle.bench', clientId: 'bench', name: 'Bench Moodle', lms: 'moodle', authEndpoint: 'http://moodle.bench/auth', tokenEndpoint: 'http://moodle.bench/token', jwksUrl: 'http://moodle.bench/jwks' });
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: '2', title: 'Bench course' });
    for (let u = 1; u <= learners; u++) await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: String(u) });
    const source = await createEventSource(db, { kind: 'moodle', platformId: platform.id });
    const port = await freePort();
    // BENCH_PROFILE_DIR=dir writes a CPU profile of each web process there.
    const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
    cluster.setupPrimary({ exec: __filename, args: ['--web-server'], execArgv: [...process.execArgv, ...profile], silent: false });
    const web = Array.from({ length: webProcesses }, () => cluster.fork({ BENCH_SCHEMA: schema, BENCH_PREFIX: prefix, BENCH_PORT: String(port) }));
    await Promise.all(web.map((w) => new Promise((resolve) => w.once('message', resolve))));
    const load = (job: LoadJob) =>
      new Promise<LoadResult>((resolve, reject) => {
        const child = fork(__filename, ['--load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.once('message', (result) => {
          resolve(result as LoadResult);
          child.kill();
        });
        child.once('error', reject);
        child.send(job);
      });
    const job = { port, path: `/events/moodle/${source.id}`, secret: source.secret!, concurrency, learners };
    await load({ ...job, events: Math.min(2000, events) }); // warm-up
    for (const w of web) w.send({ measure: 'start' });
    const result = await load({ ...job, events });
    const cpu = await Promise.all(web.map((w) => new Promise<{ cpuMs: number; sysMs: number }>((resolve) => {
      w.once('message', resolve);
      w.send({ measure: 'stop' });
    })));
    for (const w of web) w.disconnect();
    const stored = Number((await database.pool.query(`select count(*) from score_events where external_id like 'bench-%'`)).rows[0].count);
    const perThousand = (ms: number) => Math.round((ms * 1000) / Math.max(1, result.ok));
    console.log(JSON.stringify({
      name: 'ingest.events_per_s',
      value: Math.round((result.ok / result.ms) * 1000 * 10) / 10,
      unit: 'events/s',
      params: {
        events, concurrency, web_processes: webProcesses, source: 'moodle-hmac',
        server_cpu_ms_per_1k: perThousand(cpu.reduce((sum, c) => sum + c.cpuMs, 0)), server_sys_ms_per_1k: perThousand(cpu.reduce((sum, c) => sum + c.sysMs, 0)),
        client_cpu_ms_per_1k: perThousand(result.cpuMs), accepted: result.ok, failed: result.failed, stored_total: stored, statuses: result.statuses,
      },
    }));
  } finally {
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

if (process.argv.includes('--load-generator')) {
  process.once('message', (job) => {
    void generateLoad(job as LoadJob).then((result) => {
      const cpu = process.cpuUsage();
      process.send!({ ...result, cpuMs: (cpu.user + cpu.system) / 1000 });
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
