import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { parseConfig } from '../../src/config';
import { createContext } from '../../src/context';
import { createDatabase } from '../../src/db';
import { createLogger } from '../../src/log';
import { createRedis, Queues } from '../../src/queue';

/**
 * A benchmark's private world on the local services: its own PostgreSQL schema (created, not yet
 * migrated) and BullMQ prefix, and an AppContext over them. Pair with `dropScratch`.
 */
export async function createScratch() {
  const prefix = `bench-${randomBytes(4).toString('hex')}`;
  const schema = `bench_${randomBytes(4).toString('hex')}`;
  const config = parseConfig({ ...process.env, LOG_LEVEL: 'silent', QUEUE_PREFIX: prefix });
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 20 });
  const redis = createRedis(config.REDIS_URL, 'producer');
  const ctx = createContext(config, { database, redis, queues: new Queues({ connection: redis, prefix }), logger: createLogger({ level: 'silent' }) });
  return { prefix, schema, config, admin, database, redis, ctx };
}

/** Removes what a benchmark created: its PostgreSQL schema and every Redis key under its queue prefix. */
export async function dropScratch(props: { admin: Pool; schema: string; redisUrl: string; prefix: string }): Promise<void> {
  await props.admin.query(`drop schema if exists ${props.schema} cascade`);
  await props.admin.end();
  const cleaner = createRedis(props.redisUrl, 'producer');
  await new Promise((resolve) => cleaner.once('ready', resolve));
  let cursor = '0';
  do {
    const [next, keys] = await cleaner.scan(cursor, 'MATCH', `${props.prefix}:*`, 'COUNT', 1000);
    if (keys.length) await cleaner.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  cleaner.disconnect();
}
