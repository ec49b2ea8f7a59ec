import type { AppContext } from '../context';
import { findStalledEvents } from './inbox';
import { enqueueEvaluations } from './jobs/evaluate';

/**
 * The relay: events accepted while Redis was down (or whose job vanished) stay `pending` in the
 * inbox; every `intervalMs` the relay re-enqueues those older than `graceMs`. Enqueueing uses
 * jobId = event id, so several worker replicas relaying at once still queue each event once.
 */
export interface EventRelayOptions {
  /** Time between scans. Default 30 s. */
  intervalMs?: number;
  /** How long an accepted event may wait for its job before it is re-enqueued. Default 60 s. */
  graceMs?: number;
  /** Most events re-enqueued per scan. Default 1000. */
  batch?: number;
}

export async function relayStalledEvents(ctx: Pick<AppContext, 'database' | 'queues' | 'logger'>, props: { now: Date; graceMs: number; batch: number }): Promise<number> {
  const ids = await findStalledEvents(ctx.database.db, { now: props.now, graceMs: props.graceMs, limit: props.batch });
  let queued = 0;
  // Chunks of 200: one round trip each, small enough for a slow Redis to answer within the timeout.
  for (let i = 0; i < ids.length; i += 200) {
    const chunk = ids.slice(i, i + 200);
    if (await enqueueEvaluations(ctx, chunk)) queued += chunk.length;
  }
  if (ids.length) ctx.logger.info({ found: ids.length, queued }, 'relay re-enqueued stalled events');
  return queued;
}

export function startEventRelay(ctx: AppContext, options: EventRelayOptions = {}): () => Promise<void> {
  const intervalMs = options.intervalMs ?? 30_000;
  const graceMs = options.graceMs ?? 60_000;
  const batch = options.batch ?? 1000;
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = relayStalledEvents(ctx, { now: new Date(), graceMs, batch }).catch((error: unknown) => ctx.logger.warn({ err: error }, 'event relay scan failed'));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
