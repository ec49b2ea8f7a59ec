import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createRedis } from '../../src/queue';
import { createDatabase } from '../../src/db';
import { createTestContext, type TestContext } from '../support/context';

/** A throwaway redis-server of our own, so stopping it cannot disturb other suites. */
async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'pipe' });
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve(child);
    });
    child.on('error', reject);
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15000): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('condition not met in time');
}

describe('health and readiness', () => {
  let ctx: TestContext;
  let redisProcess: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    redisProcess = await startRedis(port);
    const url = `redis://127.0.0.1:${port}`;
    ctx = await createTestContext({ REDIS_URL: url }, { redis: createRedis(url, 'producer') });
  });
  afterAll(async () => {
    await ctx.close();
    if (redisProcess.exitCode === null) await stop(redisProcess);
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const app = await createApp(ctx);
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    // No issuer has moved and the standards data is in place: nothing to warn about.
    expect(res.body).toEqual({ status: 'ready', checks: { postgresql: true, redis: true }, warnings: [] });
  });

  it('lists missing standards data under warnings and stays ready (a warning is not a failure)', async () => {
    const app = await createApp({ ...ctx, config: { ...ctx.config, STANDARDS_DIR: '/nonexistent/laurel-standards' } });
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ready');
    expect(res.body.warnings).toEqual([
      "Standards data missing: /nonexistent/laurel-standards/ob_v3p0_achievementcredential_schema.json is missing (and 11 more standards file(s)); run 'laurel standards fetch' to fetch it. Until then schema checks are not run and CLRs carry no Data Integrity proof.",
    ]);
  });

  it('answers 503 naming Redis while Redis is down, stays alive, and recovers without a restart', async () => {
    const app = await createApp(ctx);
    await stop(redisProcess);
    await eventually(async () => (await request(app).get('/readyz')).status === 503);
    const down = await request(app).get('/readyz');
    expect(down.body).toMatchObject({ status: 'unavailable', down: ['redis'], checks: { postgresql: true, redis: false } });
    expect((await request(app).get('/healthz')).status).toBe(200);

    redisProcess = await startRedis(port);
    await eventually(async () => (await request(app).get('/readyz')).status === 200);
  });

  it('names PostgreSQL when the database is unreachable', async () => {
    const unreachable = createDatabase({ url: 'postgres://laurel:x@127.0.0.1:1/laurel' });
    const app = await createApp({ ...ctx, database: unreachable });
    await eventually(async () => (await request(app).get('/readyz')).body.checks?.redis === true);
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body.down).toEqual(['postgresql']);
    await unreachable.close();
  });
});
