import { Router } from 'express';
import type { AppContext } from '../context';
import { isDatabaseReachable } from '../db';
import { isRedisReachable } from '../queue';
import { cachedDeploymentWarnings } from '../deployment';
import { publicRoute } from '../http';

/**
 * `/healthz`: the process is alive (for restarts). `/readyz`: it can do its work (for load balancers):
 * PostgreSQL and Redis both answer; a 503 names what is down. `warnings` lists what an operator must
 * fix although Laurel can serve (an issuer whose DID no longer matches BASE_URL, missing standards
 * data): a warning never makes /readyz fail, or a load balancer would take a working Laurel out.
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
    const warnings = await cachedDeploymentWarnings(ctx).catch(() => []);
    res.json({ status: 'ready', checks: { postgresql: true, redis: true }, warnings: warnings.map((w) => w.message) });
  });
  return router;
}
