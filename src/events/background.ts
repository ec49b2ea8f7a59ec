import type { AppContext } from '../context';
import { schedulePolling } from './poll-ags';
import { startEventRelay, type EventRelayOptions } from './relay';

/**
 * The events module's background work in the worker role: the relay of unqueued events and the
 * schedule of the AGS results poll (idempotent: BullMQ keys repeatable jobs by id and interval).
 */
export async function startEventsBackground(ctx: AppContext, options: EventRelayOptions & { pollEveryMs?: number } = {}): Promise<() => Promise<void>> {
  await schedulePolling(ctx.queues, options.pollEveryMs).catch((error: unknown) => ctx.logger.warn({ err: error }, 'AGS results poll not scheduled'));
  return startEventRelay(ctx, options);
}
