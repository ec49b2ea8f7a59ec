import { Router, type RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AppContext } from '../context';
import { QUEUE_NAMES } from '../queue';
import { requireToken } from '../http';

/** One registry per app instance (tests build several apps in one process). */
export function createMetrics(ctx: AppContext) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'laurel_' });
  const httpDuration = new Histogram({
    name: 'laurel_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'laurel_queue_jobs',
    help: 'BullMQ jobs by queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      for (const name of QUEUE_NAMES) {
        try {
          const counts = await ctx.queues.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          for (const [state, count] of Object.entries(counts)) this.set({ queue: name, state }, count);
        } catch {
          // Redis down: keep the last values; /readyz reports the outage.
        }
      }
    },
  });
  const errors = new Counter({ name: 'laurel_http_errors_total', help: 'Responses with status >= 500', registers: [registry] });

  /** One answered request, for handlers outside express (the lean intake path): same histogram, same labels. */
  const record = (props: { method: string; route: string; status: number; seconds: number }): void => {
    httpDuration.observe({ method: props.method, route: props.route, status: String(props.status) }, props.seconds);
    if (props.status >= 500) errors.inc();
  };

  const observe: RequestHandler = (req, res, next) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw path: ids would explode label cardinality.
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
      if (res.statusCode >= 500) errors.inc();
    });
    next();
  };

  const router = Router();
  router.get('/metrics', requireToken(ctx, 'metrics'), async (_req, res, next) => {
    try {
      res.type(registry.contentType).send(await registry.metrics());
    } catch (error) {
      next(error);
    }
  });
  return { registry, observe, record, router };
}
