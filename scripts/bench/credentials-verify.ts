// Verification throughput through the public API: POST /api/v1/verify against the real router,
// PostgreSQL and Redis (of the environment), in a throw-away schema. The inputs vary so that no cache
// can answer for the verifier: --credentials distinct signed credentials (distinct ids, salts, scores,
// status entries), each sent in turn as JSON, as the compact JWS (VC-JWT) and as a baked PNG upload.
// Only answers 200 with `verified: true` count; anything else is a failure (params.failed, by kind).
// One JSON line:
//   verify.requests_per_s  (params: concurrency, seconds, credentials, inputs, verified, failed)
// Usage: node dist/scripts/bench/credentials-verify.js [--seconds 5] [--concurrency 8] [--credentials 24]
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Redis } from 'ioredis';
import { Pool } from 'pg';
import { parseConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import {
  allocateStatusEntry, bakePng, buildOpenBadgeCredential, defaultBadgePng, createSigner, ensureDefaultIssuer, issuerProfile,
} from '../../src/credentials';
import { createCredentialsRouter } from '../../src/credentials/web';
import { createDatabase, migrate } from '../../src/db';
import { createLogger } from '../../src/log';
import { errorHandler } from '../../src/http';
import { measure } from './report';

interface Input {
  kind: 'json' | 'jws' | 'png';
  type: string;
  body: Buffer;
}

/** Whether the answer was 200 with `verified: true`. */
function post(port: number, input: Input): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/api/v1/verify', method: 'POST', agent: keepAlive, headers: { 'content-type': input.type, 'content-length': input.body.length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) return resolve(false);
        try {
          resolve((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { verified?: unknown }).verified === true);
        } catch {
          resolve(false);
        }
      });
    });
    req.on('error', reject);
    req.end(input.body);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 64 });

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, fallback: number) => (argv.includes(`--${name}`) ? Number(argv[argv.indexOf(`--${name}`) + 1]) : fallback);
  const seconds = arg('seconds', 5);
  const concurrency = arg('concurrency', 8);
  const credentialCount = arg('credentials', 24);
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
    const signer = await createSigner(database.db, config);
    const png = defaultBadgePng({ name: 'Bench', color: '#1d4ed8' });
    const inputs: Input[] = [];
    for (let i = 0; i < credentialCount; i++) {
      const status = await allocateStatusEntry(database.db, issuer.id, config);
      const unsigned = buildOpenBadgeCredential({
        id: `${config.BASE_URL}/credentials/${randomBytes(8).toString('hex')}`,
        issuer: issuerProfile(issuer, config),
        achievement: { id: `${config.BASE_URL}/achievements/${i % 4}`, name: `Bench ${i % 4}`, description: 'Bench badge', criteria: { narrative: 'Run the bench.' }, resultDescription: { id: `${config.BASE_URL}/achievements/${i % 4}#score`, name: 'Score', resultType: 'Percent', requiredValue: '80' } },
        recipient: { email: `bench${i}@example.edu`, salt: randomBytes(8).toString('hex') },
        result: { value: String(80 + (i % 20)) },
        validFrom: new Date(Date.now() - 60000),
        awardedDate: new Date(),
        status,
      });
      const { credential, jws } = await signer.sign(issuer.id, unsigned);
      // Rotate the kinds across credentials so each credential is seen in every form.
      inputs.push({ kind: 'json', type: 'application/json', body: Buffer.from(JSON.stringify({ credential })) });
      inputs.push({ kind: 'jws', type: 'application/json', body: Buffer.from(JSON.stringify({ credential: jws })) });
      inputs.push({ kind: 'png', type: 'image/png', body: bakePng(png, jws) });
    }
    const ctx = { config, logger: createLogger({ level: 'silent' }), database, redis, queues: undefined } as unknown as AppContext;
    const app = express();
    app.use(createCredentialsRouter(ctx));
    app.use(errorHandler);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server!.once('listening', resolve));
    const port = (server.address() as AddressInfo).port;
    // Warm-up: every input once, and each must verify (a bench of failures would be meaningless).
    for (const input of inputs) if (!(await post(port, input))) throw new Error(`warm-up: a valid ${input.kind} input did not verify`);
    let verified = 0;
    const failed: Record<string, number> = {};
    let next = 0;
    const m = measure();
    const start = performance.now();
    const end = start + seconds * 1000;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const input = inputs[next++ % inputs.length]!;
        if (await post(port, input)) verified++;
        else failed[input.kind] = (failed[input.kind] ?? 0) + 1;
      }
    }));
    const elapsed = (performance.now() - start) / 1000;
    const failures = Object.values(failed).reduce((a, b) => a + b, 0);
    m.emit('verify.requests_per_s', verified / elapsed, 'requests/s', {
      concurrency, seconds, credentials: credentialCount, inputs: 'json,jws,png', counted: 'verified: true', verified, failed: failures, failed_by_input: failed,
    });
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
