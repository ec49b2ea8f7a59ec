import type { Redis } from 'ioredis';
import { closeContext, createContext, type AppContext } from '../../src/context';
import { createRedis, Queues } from '../../src/queue';
import type { Config } from '../../src/config';
import { createTestDatabase, type TestDatabase } from './db';
import { dropPrefix, testQueuePrefix } from './redis';
import { testConfig } from './config';

export interface TestContext extends AppContext {
  tdb: TestDatabase;
  /** Closes connections, drops the schema and the queue keys. */
  close(): Promise<void>;
}

/**
 * An AppContext on a private PostgreSQL schema and a private BullMQ prefix: what a suite needs to
 * exercise routes, jobs and use-cases against the real services without seeing other suites.
 */
export async function createTestContext(overrides: Partial<Record<keyof Config, string>> = {}, options: { redis?: Redis } = {}): Promise<TestContext> {
  const prefix = testQueuePrefix();
  const config = testConfig({ QUEUE_PREFIX: prefix, ...overrides });
  const tdb = await createTestDatabase();
  const redis = options.redis ?? createRedis(config.REDIS_URL, 'producer');
  const ctx = createContext(config, { database: tdb, redis, queues: new Queues({ connection: redis, prefix }) });
  return {
    ...ctx,
    tdb,
    async close() {
      await ctx.queues.close().catch(() => undefined);
      await dropPrefix(prefix).catch(() => undefined);
      ctx.redis.disconnect();
      await tdb.close();
    },
  };
}

export { closeContext };
