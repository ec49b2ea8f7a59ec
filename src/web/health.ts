import { Router } from 'express';
import type { AppContext } from '../context';
import { isDatabaseReachable } from '../db';
import { isRedisReachable } from '../queue';
import { publicRoute } from './permission';

/**
 * `/healthz`: the process is alive (for restarts). `/readyz`: it can do its work (for load balancers):
 * PostgreSQL and Redis both answer; a 503 names what is down.
 */
export function healthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', publicRoute(), (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', publicRoute(), async (_req, res) => {
    const [database, redis] = await Promise.all([isDatabaseReachable(ctx.database.db), isRedisReachable(ctx.redis)]);
    const down = [!database && 'postgresql', !redis && 'redis'].filter(Boolean) as string[];
    res.set('Cache-Control', 'no-store');
    if (down.length) {
      res.status(503).json({ status: 'unavailable', down, detail: `Not reachable: ${down.join(', ')}`, checks: { postgresql: database, redis } });
      return;
    }
    res.json({ status: 'ready', checks: { postgresql: true, redis: true } });
  });
  return router;
}
