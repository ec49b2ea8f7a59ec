import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
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
 * Per-address rate limit shared by every web replica through Redis. When Redis is unreachable the
 * request passes (availability over strictness) rather than failing every public page.
 */
export function publicRateLimit(ctx: AppContext, options: RateLimitOptions): RequestHandler {
  return rateLimit({
    windowMs: options.windowMs ?? 60_000,
    limit: options.limit ?? ctx.config.RATE_LIMIT_PER_MINUTE,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    passOnStoreError: true,
    store: new RedisStore({
      prefix: `${ctx.config.QUEUE_PREFIX}:rl:${options.name}:`,
      sendCommand: (command: string, ...args: string[]) => ctx.redis.call(command, ...args) as Promise<RedisReply>,
    }),
    handler: (_req, _res, next) => next(new LaurelError('ERR_RATE_LIMITED')),
  });
}
