import type { RequestHandler } from 'express';
import type { AppContext } from '../context';
import { publicRateLimit, type RateLimitOptions } from './rate-limit';

/**
 * `publicRateLimit` for routers built before Redis is ready (the limiter loads its scripts when
 * built): the limiter is made once Redis connects; until then requests pass, as they do while Redis
 * is down (availability over strictness, like publicRateLimit itself).
 */
export function lazyRateLimit(ctx: AppContext, options: RateLimitOptions): RequestHandler {
  let limiter: RequestHandler | undefined;
  const build = () => (limiter ??= publicRateLimit(ctx, options));
  if (ctx.redis.status === 'ready') build();
  else ctx.redis.once('ready', build);
  return (req, res, next) => (limiter ? limiter(req, res, next) : next());
}
