// End-to-end pipeline latency: API events arrive at a fixed rate (half of them take a new learner
// over the threshold); each awarding event goes ingest -> evaluate job -> award -> issue job ->
// signed credential stored. Latency = credential row created_at - the moment the 202 was received.
// Prints, per rate:
//   pipeline.p50_ms, pipeline.p99_ms   params {rate, seconds, events, awarding, completed}
// Real PostgreSQL, Redis, workers and signing in this process; private schema and queue prefix.
// Usage: node dist/scripts/bench/pipeline.js [--rates 100,500] [--seconds 10] [--drain 120]
import { createServer, Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { issueCredentialJob } from '../../src/badges';
import { closeContext } from '../../src/context';
import { createManualCourse } from '../../src/courses';
import { migrate } from '../../src/db';
import { evaluateEventJob } from '../../src/events';
import { projectRoot } from '../../src/paths';
import { startWorkers } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/web/app';
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
  const seconds = Number(arg('seconds', '10'));
  const drainMs = Number(arg('drain', '120')) * 1000;
  const { prefix, schema, config, admin, database, redis, ctx } = await createScratch();
  let workers: ReturnType<typeof startWorkers> | undefined;
  try {
    await migrate(database.pool);
    await new Promise((resolve) => (redis.status === 'ready' ? resolve(undefined) : redis.once('ready', resolve)));
    const server = createServer(await createApp(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    workers = startWorkers(ctx, { jobs: [evaluateEventJob, issueCredentialJob] });
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
      const params = { rate, seconds, events: total, awarding: accepted.size, completed: latencies.length, achievement: achievement.id };
      console.log(JSON.stringify({ name: 'pipeline.p50_ms', value: percentile(latencies, 50), unit: 'ms', params }));
      console.log(JSON.stringify({ name: 'pipeline.p99_ms', value: percentile(latencies, 99), unit: 'ms', params }));
    }
    agent.destroy();
    server.close();
  } finally {
    await workers?.close(5000).catch(() => undefined);
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
