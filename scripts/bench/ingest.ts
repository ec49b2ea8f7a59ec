// HTTP ingest benchmark: signed Moodle plugin deliveries through the full web app into the durable
// inbox (committed before the 202), with the evaluate job enqueued in Redis. Prints one JSON line:
//   ingest.events_per_s   accepted (202, stored) events per second, params {events, concurrency, source}
// The load generator runs in a child process (an LMS is another program); `server_cpu_ms_per_1k`
// is the CPU the server process spent per 1,000 accepted events, steadier than throughput on a
// shared machine.
// It uses a private PostgreSQL schema and BullMQ prefix, dropped at the end.
// Usage: node dist/scripts/bench/ingest.js [--events 6000] [--concurrency 64]
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fork } from 'node:child_process';
import { config as loadEnv } from 'dotenv';
import { closeContext } from '../../src/context';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { migrate } from '../../src/db';
import { createEventSource } from '../../src/events';
import { projectRoot } from '../../src/paths';
import { createApp } from '../../src/web/app';
import { createScratch, dropScratch } from './scratch';

interface LoadJob {
  url: string;
  secret: string;
  events: number;
  concurrency: number;
  learners: number;
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Worker thread: fires `events` signed deliveries, `concurrency` at a time, over keep-alive sockets. */
async function generateLoad(job: LoadJob): Promise<{ ok: number; failed: number; ms: number; statuses: Record<string, number> }> {
  const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
  const statuses: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  let failed = 0;
  const run = randomBytes(4).toString('hex');
  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const body = JSON.stringify({
        schema: 'laurel.moodle.v1', id: `bench-${run}-${i}`, event: 'user_graded', time: Math.floor(Date.now() / 1000) - (job.events - i),
        site: { url: 'http://moodle.bench' }, course: { id: '2', fullname: 'Bench course' },
        user: { id: String(1 + (i % job.learners)) },
        item: { id: String(100 + (i % 20)), module: 'quiz', instance: String(i % 20), itemnumber: 0, name: `Quiz ${i % 20}`, grademax: 10 },
        grade: { finalgrade: i % 11, hidden: false, excluded: false },
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = `sha256=${createHmac('sha256', job.secret).update(`${timestamp}.${body}`).digest('hex')}`;
      const req = httpRequest(job.url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-laurel-timestamp': timestamp, 'x-laurel-signature': signature, 'content-length': Buffer.byteLength(body) } }, (res) => {
        statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
        if (res.statusCode === 202) ok++;
        else failed++;
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end(body);
    });
  const start = performance.now();
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (next < job.events) await send(next++);
  }));
  const ms = performance.now() - start;
  agent.destroy();
  return { ok, failed, ms, statuses };
}

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const events = arg('events', 6000);
  const concurrency = arg('concurrency', 64);
  const learners = 500;
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  try {
    await migrate(database.pool);
    const db = database.db;
    const platform = await upsertPlatform(db, { issuer: 'http://moodle.bench', clientId: 'bench', name: 'Bench Moodle', lms: 'moodle', authEndpoint: 'http://moodle.bench/auth', tokenEndpoint: 'http://moodle.bench/token', jwksUrl: 'http://moodle.bench/jwks' });
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: '2', title: 'Bench course' });
    for (let u = 1; u <= learners; u++) await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: String(u) });
    const source = await createEventSource(db, { kind: 'moodle', platformId: platform.id });
    const server = createServer(await createApp(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events/moodle/${source.id}`;
    const load = (job: LoadJob) =>
      new Promise<Awaited<ReturnType<typeof generateLoad>>>((resolve, reject) => {
        const child = fork(__filename, ['--load-generator'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.once('message', (result) => {
          resolve(result as Awaited<ReturnType<typeof generateLoad>>);
          child.kill();
        });
        child.once('error', reject);
        child.send(job);
      });
    await load({ url, secret: source.secret!, events: Math.min(1000, events), concurrency, learners }); // warm-up
    const cpuBefore = process.cpuUsage();
    const result = await load({ url, secret: source.secret!, events, concurrency, learners });
    const cpu = process.cpuUsage(cpuBefore);
    const stored = Number((await database.pool.query(`select count(*) from score_events where external_id like 'bench-%'`)).rows[0].count);
    server.close();
    console.log(JSON.stringify({
      name: 'ingest.events_per_s',
      value: Math.round((result.ok / result.ms) * 1000 * 10) / 10,
      unit: 'events/s',
      params: { events, concurrency, source: 'moodle-hmac', server_cpu_ms_per_1k: Math.round((cpu.user + cpu.system) / Math.max(1, result.ok)), server_sys_ms_per_1k: Math.round(cpu.system / Math.max(1, result.ok)), accepted: result.ok, failed: result.failed, stored_total: stored, statuses: result.statuses },
    }));
  } finally {
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

if (process.argv.includes('--load-generator')) {
  process.once('message', (job) => {
    void generateLoad(job as LoadJob).then((result) => process.send!(result));
  });
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
