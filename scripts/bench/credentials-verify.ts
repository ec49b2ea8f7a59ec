// Verification throughput through the public API: POST /api/v1/verify with a signed credential (JSON),
// against the real router, PostgreSQL and Redis of .env, in a throw-away schema. One JSON line:
//   verify.requests_per_s  (params: concurrency, seconds, input)
// Usage: node dist/scripts/bench/credentials-verify.js [--seconds 5] [--concurrency 8]
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { parseConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import {
  allocateStatusEntry, buildOpenBadgeCredential, createCredentialsRouter, createSigner, ensureDefaultIssuer, issuerProfile,
} from '../../src/credentials';
import { createDatabase, migrate } from '../../src/db';
import { createLogger } from '../../src/log';
import { errorHandler } from '../../src/web/errors';

function post(port: number, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/verify', method: 'POST', agent: keepAlive, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
  const seconds = arg('seconds', 5);
  const concurrency = arg('concurrency', 8);
  require('dotenv').config({ quiet: true });
  // The public rate limit would measure itself: lift it for this private server.
  const config = parseConfig({ ...process.env, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000000', QUEUE_PREFIX: `bench-${randomBytes(4).toString('hex')}` });
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 10 });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
  let server: http.Server | undefined;
  try {
    await migrate(database.pool);
    const issuer = await ensureDefaultIssuer(database.db, config);
    const status = await allocateStatusEntry(database.db, issuer.id, config);
    const signer = await createSigner(database.db, config);
    const unsigned = buildOpenBadgeCredential({
      id: `${config.BASE_URL}/credentials/${randomBytes(8).toString('hex')}`,
      issuer: issuerProfile(issuer, config),
      achievement: { id: `${config.BASE_URL}/achievements/1`, name: 'Bench', description: 'Bench badge', criteria: { narrative: 'Run the bench.' }, resultDescription: { id: `${config.BASE_URL}/achievements/1#score`, name: 'Score', resultType: 'Percent', requiredValue: '80' } },
      recipient: { email: 'bench@example.edu', salt: randomBytes(8).toString('hex') },
      result: { value: '90' },
      validFrom: new Date(Date.now() - 60000),
      awardedDate: new Date(),
      status,
    });
    const { credential } = await signer.sign(issuer.id, unsigned);
    const ctx = { config, logger: createLogger({ level: 'silent' }), database, redis, queues: undefined } as unknown as AppContext;
    const app = express();
    app.use(createCredentialsRouter(ctx));
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    const body = JSON.stringify({ credential });
    for (let i = 0; i < 20; i++) if ((await post(port, body)) !== 200) throw new Error('warm-up request failed');
    let done = 0;
    let failed = 0;
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) ((await post(port, body)) === 200 ? done++ : failed++);
    }));
    const elapsed = (performance.now() - start) / 1000;
    process.stdout.write(`${JSON.stringify({ name: 'verify.requests_per_s', value: Math.round((done / elapsed) * 10) / 10, unit: 'requests/s', params: { concurrency, seconds, input: 'json', failed } })}\n`);
  } finally {
    server?.close();
    keepAlive.destroy();
    redis.disconnect();
    await database.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
