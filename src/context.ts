import type { Redis } from 'ioredis';
import type { Config } from './config';
import { createDatabase, type Database } from './db';
import { createLogger, type Logger } from './log';
import { createRedis, Queues } from './queue';

/** Everything a request handler, job or command needs from the outside world, created once per process. */
export interface AppContext {
  config: Config;
  logger: Logger;
  database: Database;
  /** Fail-fast connection for readiness checks, rate limits and producers. */
  redis: Redis;
  queues: Queues;
}

export interface ContextOverrides {
  logger?: Logger;
  database?: Database;
  redis?: Redis;
  queues?: Queues;
}

export function createContext(config: Config, overrides: ContextOverrides = {}): AppContext {
  const logger = overrides.logger ?? createLogger({ level: config.LOG_LEVEL });
  const database = overrides.database ?? createDatabase({ url: config.DATABASE_URL, max: config.DATABASE_POOL_MAX });
  const redis = overrides.redis ?? createRedis(config.REDIS_URL, 'producer');
  const queues = overrides.queues ?? new Queues({ connection: redis, prefix: config.QUEUE_PREFIX });
  return { config, logger, database, redis, queues };
}

/** Closes what the context opened, in dependency order. */
export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close().catch(() => undefined);
  ctx.redis.disconnect();
  await ctx.database.close();
}
