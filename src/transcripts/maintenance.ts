import type { AppContext } from '../context';
import { transcriptsDepsFor } from './context';
import { purgeExpiredExports } from './exports';

/**
 * Deletes export files past their download window on a schedule (worker role), so a course exported
 * once does not keep its learners' transcripts on disk until someone exports again.
 */
export function startTranscriptsMaintenance(ctx: AppContext, options: { everyMs?: number } = {}): () => Promise<void> {
  const log = ctx.logger.child({ component: 'transcripts-maintenance' });
  let running: Promise<unknown> = Promise.resolve();
  const purge = () => {
    running = purgeExpiredExports(transcriptsDepsFor(ctx))
      .then((purged) => (purged ? log.info({ purged }, 'expired transcript exports deleted') : undefined))
      .catch((error: unknown) => log.warn({ err: error }, 'transcript export purge failed'));
  };
  const timer = setInterval(purge, options.everyMs ?? 15 * 60_000);
  timer.unref();
  purge();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
