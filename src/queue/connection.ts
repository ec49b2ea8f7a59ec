import { Redis, type RedisOptions } from 'ioredis';

/**
 * One connection policy for the whole process.
 * - `worker`: BullMQ workers block on Redis and must retry forever (`maxRetriesPerRequest: null`),
 *   reconnecting with capped backoff so a Redis restart is survived without restarting Laurel.
 * - `producer`: enqueueing fails fast while Redis is down (no offline queue) so callers that have
 *   already made an event durable in PostgreSQL can answer at once and let the relay re-enqueue.
 * - `client`: readiness checks and rate limits: short timeouts, fail fast.
 */
export type ConnectionPurpose = 'worker' | 'producer' | 'client';

export function redisOptions(purpose: ConnectionPurpose): RedisOptions {
  const retryStrategy = (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 5), 5000);
  switch (purpose) {
    case 'worker':
      return { maxRetriesPerRequest: null, enableReadyCheck: true, retryStrategy };
    case 'producer':
      return { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 3000, retryStrategy };
    case 'client':
      return { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, commandTimeout: 2000, retryStrategy };
  }
}

export function createRedis(url: string, purpose: ConnectionPurpose): Redis {
  const redis = new Redis(url, { ...redisOptions(purpose), lazyConnect: false });
  // Connection errors are reported through readiness, not as unhandled 'error' events.
  redis.on('error', () => undefined);
  return redis;
}

/** True when Redis answers PING within the client timeout; used by /readyz. */
export async function isRedisReachable(redis: Redis): Promise<boolean> {
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
