import type { AppContext } from '../context';
import { expireAwards } from './awards';
import { badgesDepsFor } from './context';
import { badgesDb } from './deps';
import { issueCredentialJob } from './jobs/issue-credential';

export interface BadgesMaintenanceOptions {
  /** How often the sweep runs. Default 60 s. */
  everyMs?: number;
  /** An award still unsigned after this long gets its issue job enqueued again. Default 60 s. */
  pendingAfterMs?: number;
}

/**
 * One sweep: marks lapsed awards expired, and re-enqueues signing for awards whose issue job was
 * never queued (Redis was down when the award committed). Idempotent, safe on every worker replica:
 * the issue job id is the award id, and issuing itself is idempotent.
 */
export async function runBadgesMaintenance(ctx: AppContext, options: { now?: Date; pendingAfterMs?: number } = {}): Promise<{ expired: number; requeued: number }> {
  const now = options.now ?? new Date();
  const expired = await expireAwards({ db: ctx.database.db, now: () => now, events: badgesDepsFor(ctx).events });
  const cutoff = new Date(now.getTime() - (options.pendingAfterMs ?? 60_000));
  const pending = await badgesDb(badgesDepsFor(ctx).db)
    .selectFrom('awards')
    .select('id')
    .where('status', '=', 'issued')
    .where('credential_id', 'is', null)
    .where('created_at', '<=', cutoff)
    .orderBy('created_at')
    .limit(1000)
    .execute();
  for (const { id } of pending) await ctx.queues.enqueue(issueCredentialJob, { awardId: id }, { jobId: id });
  return { expired, requeued: pending.length };
}

/** Runs the sweep periodically in the worker role; returns the stop function. */
export function startBadgesMaintenance(ctx: AppContext, options: BadgesMaintenanceOptions = {}): () => Promise<void> {
  const log = ctx.logger.child({ component: 'badges-maintenance' });
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = runBadgesMaintenance(ctx, { pendingAfterMs: options.pendingAfterMs })
      .then((result) => (result.expired || result.requeued ? log.info(result, 'badges maintenance') : undefined))
      .catch((error: unknown) => log.warn({ err: error }, 'badges maintenance failed'));
  }, options.everyMs ?? 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
