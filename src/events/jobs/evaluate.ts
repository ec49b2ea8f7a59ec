import { z } from 'zod';
import { GroupCommit } from '../../batching';
import type { AppContext } from '../../context';
import { defineJob, UnrecoverableError } from '../../queue';
import { applyEvent, markFailed } from '../apply';
import { evaluateLearner } from '../evaluate-learner';

/**
 * `events.evaluate`: one inbox event -> learner_scores (newest wins) -> the course's published rules
 * for that learner -> awards. Enqueued with jobId = event id, so enqueueing is idempotent.
 */
export const EVALUATE_EVENT_JOB = 'events.evaluate';

export const evaluateEventPayload = z.object({ eventId: z.uuid() });
export type EvaluateEventPayload = z.infer<typeof evaluateEventPayload>;

export const evaluateEventJob = defineJob<EvaluateEventPayload>({
  name: EVALUATE_EVENT_JOB,
  queue: 'evaluate',
  schema: evaluateEventPayload,
  async perform(payload, run) {
    const { ctx } = run;
    let outcome;
    try {
      outcome = await applyEvent(ctx.database.db, { eventId: payload.eventId });
    } catch (error) {
      // A stored event that cannot be applied (violates a constraint) will never succeed: dead-letter it.
      if ((error as { code?: string }).code?.startsWith('23')) {
        await markFailed(ctx.database.db, { eventId: payload.eventId, error: String((error as Error).message) });
        throw new UnrecoverableError(`event ${payload.eventId} cannot be applied: ${(error as Error).message}`);
      }
      throw error;
    }
    if (outcome.kind === 'poison') {
      await markFailed(ctx.database.db, { eventId: payload.eventId, error: outcome.error });
      throw new UnrecoverableError(`event ${payload.eventId}: ${outcome.error}`);
    }
    if (outcome.kind === 'skipped') return outcome;
    if (outcome.kind === 'assignment') return outcome;
    const awards = await evaluateLearner(ctx, { courseId: outcome.courseId, learnerId: outcome.learnerId, now: new Date() });
    return { ...outcome, awarded: awards.awarded };
  },
});

// Redis being slow or down must not delay the 202 much: the event is already durable and the relay
// re-enqueues it after its grace period.
const ENQUEUE_TIMEOUT_MS = 2000;

type EnqueueDeps = Pick<AppContext, 'queues' | 'logger'> & { redis?: Pick<AppContext['redis'], 'status'> };

/**
 * Enqueues the evaluate jobs of these events in one Redis round trip (job id = event id, so a
 * second enqueue of the same event is a no-op). Best effort: returns false when they were not queued.
 */
export async function enqueueEvaluations(deps: EnqueueDeps, eventIds: readonly string[]): Promise<boolean> {
  if (eventIds.length === 0) return true;
  // Redis known to be down (not merely still connecting): do not make the LMS wait for a timeout;
  // the relay queues the events later.
  if (deps.redis && ['reconnecting', 'close', 'end'].includes(deps.redis.status)) {
    deps.logger.warn({ events: eventIds.length, redis: deps.redis.status }, 'Redis unavailable; evaluate jobs left to the relay');
    return false;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.queues.enqueueBulk(evaluateEventJob, eventIds.map((eventId) => ({ payload: { eventId }, jobId: `event-${eventId}` }))),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('enqueue timed out')), ENQUEUE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch (error) {
    deps.logger.warn({ events: eventIds.length, err: error }, 'evaluate jobs not enqueued; the relay will retry');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// One group-commit batcher per producer: concurrent deliveries share one addBulk round trip.
const batchers = new WeakMap<object, GroupCommit<string, boolean>>();

/** Enqueues one event's evaluate job, batched with concurrent callers of the same process. */
export function enqueueEvaluation(deps: EnqueueDeps, eventId: string): Promise<boolean> {
  let batcher = batchers.get(deps.queues);
  if (!batcher) {
    batcher = new GroupCommit(async (ids: string[]) => {
      const queued = await enqueueEvaluations(deps, ids);
      return ids.map(() => queued);
    }, { maxBatch: 500, maxInFlight: 2 });
    batchers.set(deps.queues, batcher);
  }
  return batcher.submit(eventId);
}
