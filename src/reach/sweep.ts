import { sql } from 'kysely';
import type { AppContext } from '../context';
import { queueGradebook } from './jobs';

/**
 * A backstop behind the domain events (whose outbox relay already carries a revocation or expiry
 * recorded while Redis was down): a learner whose column was last posted before one of their awards in that course was
 * revoked or expired, within the last hour, gets a gradebook job. Bounded: at most one job per such
 * learner and run, and only for an hour after the change.
 */
export async function sweepGradebook(ctx: Pick<AppContext, 'database' | 'queues'>, now: Date = new Date()): Promise<number> {
  const { rows } = await sql<{ course_id: string; learner_id: string }>`
    select distinct p.course_id, p.learner_id
    from reach_gradebook_posts p
      join awards w on w.course_id = p.course_id and w.learner_id = p.learner_id
    where w.status in ('revoked', 'expired') and w.updated_at > p.posted_at
      and w.updated_at > ${now}::timestamptz - interval '1 hour'
    limit 1000`.execute(ctx.database.db);
  for (const row of rows) await queueGradebook(ctx.queues, { courseId: row.course_id, learnerId: row.learner_id, now: now.getTime() });
  return rows.length;
}

/** Runs the sweep every `everyMs` (default 60 s) in the worker role; returns the stop function. */
export function startReachSweep(ctx: AppContext, options: { everyMs?: number } = {}): () => Promise<void> {
  const log = ctx.logger.child({ component: 'reach-sweep' });
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepGradebook(ctx)
      .then((queued) => (queued ? log.info({ queued }, 'gradebook feedback re-queued') : undefined))
      .catch((error: unknown) => log.warn({ err: error }, 'reach sweep failed'));
  }, options.everyMs ?? 60_000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
