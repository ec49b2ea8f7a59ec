import type { RequestHandler } from 'express';
import { rateLimit, type IncrementResponse, type Options, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import type { AppContext } from '../context';
import { LaurelError } from '../errors';

export interface RateLimitOptions {
  /** Requests allowed per window per client address. Default: config.RATE_LIMIT_PER_MINUTE. */
  limit?: number;
  /** Window length. Default one minute. */
  windowMs?: number;
  /** Distinguishes counters of different endpoints. */
  name: string;
}

/**
 * A Redis-backed store that survives Redis being unavailable. rate-limit-redis loads its Lua script
 * when constructed and keeps a rejected load forever, so a store built before Redis was connected
 * (start-up) or while it was down would never count again. This one builds the real store on first
 * use and rebuilds it after any failure.
 */
class ResilientRedisStore implements Store {
  private inner: RedisStore | undefined;
  private options: Options | undefined;

  constructor(
    private readonly redis: Redis,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.options = options;
  }

  private store(): RedisStore {
    if (!this.inner) {
      // Fail fast while disconnected (the producer connection has no offline queue): a failed
      // increment lets the request pass (passOnStoreError) and the next request tries again.
      const sendCommand = (command: string, ...args: string[]) => this.redis.call(command, ...args) as Promise<RedisReply>;
      this.inner = new RedisStore({ prefix: this.prefix, sendCommand });
      if (this.options) this.inner.init(this.options);
    }
    return this.inner;
  }

  private async guarded<T>(work: (store: RedisStore) => Promise<T>): Promise<T> {
    if (this.redis.status !== 'ready') throw new Error('Redis is not connected');
    try {
      return await work(this.store());
    } catch (error) {
      this.inner = undefined;
      throw error;
    }
  }

  increment(key: string): Promise<IncrementResponse> {
    return this.guarded((store) => store.increment(key));
  }

  decrement(key: string): Promise<void> {
    return this.guarded((store) => store.decrement(key));
  }

  resetKey(key: string): Promise<void> {
    return this.guarded((store) => store.resetKey(key));
  }
}

/**
 * Per-address rate limit shared by every web replica through Redis. When Redis is unreachable the
 * request passes (availability over strictness) rather than failing every public page. Safe to
 * build at any time, whether or not Redis is connected yet.
 */
export function publicRateLimit(ctx: AppContext, options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs ?? 60_000,
    limit: options.limit ?? ctx.config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    store: new ResilientRedisStore(ctx.redis, `${ctx.config.QUEUE_PREFIX}:rl:${options.name}:`),
    handler: (_req, _res, next) => next(new LaurelError('ERR_RATE_LIMITED')),
  });
}
