import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { requireEnv } from './db';

/** A BullMQ key prefix private to one test, so tests share Redis without seeing each other's jobs. */
export function testQueuePrefix(): string {
  return `test-${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a test prefix. */
export async function dropPrefix(prefix: string): Promise<void> {
  const redis = new Redis(requireEnv('REDIS_URL'), { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
