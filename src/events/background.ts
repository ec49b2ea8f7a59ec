import type { AppContext } from '../context';
import { schedulePolling } from './poll-ags';
import { startEventRelay, type EventRelayOptions } from './relay';
import { sealPlaintextSecrets } from './sources-store';

/**
 * The events module's background work in the worker role: the relay of unqueued events and the
 * schedule of the AGS results poll (idempotent: BullMQ keys repeatable jobs by id and interval), and
 * sealing event source secrets still stored in clear.
 */
export async function startEventsBackground(ctx: AppContext, options: EventRelayOptions & { pollEveryMs?: number } = {}): Promise<() => Promise<void>> {
  // Start-up half of migration 520 (the data change SQL cannot make: it needs the key): seal Moodle
  // secrets still stored in clear. `laurel bootstrap` does the same; both are idempotent.
  sealPlaintextSecrets(ctx.database.db, { keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })
    .then((sealed) => sealed && ctx.logger.info({ sealed }, 'sealed event source secrets stored in clear'))
    .catch((error: unknown) => ctx.logger.warn({ err: error }, 'could not seal event source secrets at start-up; laurel bootstrap does it too'));
  await schedulePolling(ctx.queues, options.pollEveryMs).catch((error: unknown) => ctx.logger.warn({ err: error }, 'AGS results poll not scheduled'));
  return startEventRelay(ctx, options);
}
