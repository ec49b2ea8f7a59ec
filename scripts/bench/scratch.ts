import type { Pool } from 'pg';
import { createRedis } from '../../src/queue';

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
