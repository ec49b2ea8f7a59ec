import { sql } from 'kysely';
import { awardsEndedSince } from '../badges';
import type { AppContext } from '../context';
import { queueGradebook } from './jobs';

const HOUR_MS = 3_600_000;
/** At most this many learners re-queued per run. */
const SWEEP_LIMIT = 1000;
/** Ended awards read from badges per round trip. */
const ENDED_PAGE = 5000;

/**
 * A backstop behind the domain events (whose outbox relay already carries a revocation or expiry
 * recorded while Redis was down): a learner whose column was last posted before one of their awards in that course was
 * revoked or expired, within the last hour, gets a gradebook job. Bounded: at most one job per such
 * learner and run, and only for an hour after the change.
 */
export async function sweepGradebook(ctx: Pick<AppContext, 'database' | 'queues'>, now: Date = new Date()): Promise<number> {
  const db = ctx.database.db;
  const found: Array<{ course_id: string; learner_id: string }> = [];
  // Badges answers who had an award end in the last hour, page by page; reach keeps those whose column
  // was last posted before that change.
  let after: { courseId: string; learnerId: string } | undefined;
  while (found.length < SWEEP_LIMIT) {
    const ended = await awardsEndedSince(db, { since: new Date(now.getTime() - HOUR_MS), ...(after ? { after } : {}), limit: ENDED_PAGE });
    if (ended.length === 0) break;
    const { rows } = await sql<{ course_id: string; learner_id: string }>`
      select distinct p.course_id, p.learner_id
      from reach_gradebook_posts p
        join unnest(${ended.map((e) => e.courseId)}::uuid[], ${ended.map((e) => e.learnerId)}::uuid[], ${ended.map((e) => e.lastChangedAt)}::timestamptz[])
          as e(course_id, learner_id, changed_at) on e.course_id = p.course_id and e.learner_id = p.learner_id
      where e.changed_at > p.posted_at
      limit ${SWEEP_LIMIT - found.length}`.execute(db);
    found.push(...rows);
    const last = ended.at(-1);
    if (!last || ended.length < ENDED_PAGE) break;
    after = { courseId: last.courseId, learnerId: last.learnerId };
  }
  for (const row of found) await queueGradebook(ctx.queues, { courseId: row.course_id, learnerId: row.learner_id, now: now.getTime() });
  return found.length;
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
