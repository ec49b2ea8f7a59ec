import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Router } from 'express';
import type { AppContext } from '../context';
import { requireOperator } from '../http';
import { QUEUE_NAMES } from '../queue';

export const DASHBOARD_PATH = '/admin/queues';

/** The @bull-board dashboard of every Laurel queue, for instance operators only. */
export function queueDashboardRouter(ctx: AppContext): Router {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(DASHBOARD_PATH);
  createBullBoard({
    queues: QUEUE_NAMES.map((name) => new BullMQAdapter(ctx.queues.get(name))),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'Laurel queues' } },
  });
  const router = Router();
  router.use(DASHBOARD_PATH, requireOperator(ctx), serverAdapter.getRouter());
  return router;
}
