import { z } from 'zod';
import { GroupCommit } from '../../batching';
import type { AppContext } from '../../context';
import { defineJob, UnrecoverableError } from '../../queue';
import { applyEvent, markFailed } from '../apply';
import { applyScoreEvents } from '../apply-batch';
import { evaluateLearner, evaluateLearners } from '../evaluate-learner';

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
    const awards = await evaluateLearner(ctx, { courseId: outcome.courseId, learnerId: outcome.learnerId, now: new Date(), issue: 'inline', reannounce: run.attempt > 1 });
    return { ...outcome, awarded: awards.awarded };
  },
});

/**
 * `events.evaluate-batch`: the events one intake flush committed together, applied in one
 * transaction, then each learner's rules evaluated with the course's rules read once. What the batch
 * path does not handle, or any failure, goes to the one-event job above (its own retries, dead
 * letters and poison handling); re-applying an event is harmless (newest wins, awards are unique).
 */
export const EVALUATE_BATCH_JOB = 'events.evaluate-batch';
export const MAX_EVALUATION_BATCH = 200;

export const evaluateBatchPayload = z.object({ eventIds: z.array(z.uuid()).min(1).max(MAX_EVALUATION_BATCH) });
export type EvaluateBatchPayload = z.infer<typeof evaluateBatchPayload>;

export const evaluateBatchJob = defineJob<EvaluateBatchPayload>({
  name: EVALUATE_BATCH_JOB,
  queue: 'evaluate',
  schema: evaluateBatchPayload,
  async perform(payload, run) {
    const { ctx } = run;
    const oneByOne = async (ids: readonly string[], reason: unknown) => {
      ctx.logger.warn({ err: reason, events: ids.length }, 'batch evaluation handed events to the one-event job');
      // Redis refusing too: fail, so BullMQ retries the batch.
      if (!(await enqueueEvaluations(ctx, ids))) throw reason instanceof Error ? reason : new Error(String(reason));
    };
    let outcome;
    try {
      outcome = await applyScoreEvents(ctx.database.db, payload);
    } catch (error) {
      await oneByOne(payload.eventIds, error);
      return { individually: payload.eventIds.length };
    }
    if (outcome.individually.length) await oneByOne(outcome.individually, 'not a score event, or its payload no longer parses');
    const byCourse = new Map<string, string[]>();
    for (const { courseId, learnerId } of outcome.learners) byCourse.set(courseId, [...(byCourse.get(courseId) ?? []), learnerId]);
    let awarded = 0;
    for (const [courseId, learnerIds] of byCourse) {
      try {
        const results = await evaluateLearners(ctx, { courseId, learnerIds, now: new Date(), issue: 'inline', reannounce: run.attempt > 1 });
        for (const result of results.values()) awarded += result.awarded.length;
      } catch (error) {
        // The scores are stored; the one-event job re-evaluates these learners through their events.
        await oneByOne(payload.eventIds, error);
      }
    }
    return { applied: outcome.learners.length, individually: outcome.individually.length, skipped: outcome.skipped, awarded };
  },
});

/** Enqueues evaluate-batch jobs for events committed together (chunks of MAX_EVALUATION_BATCH). */
export async function enqueueEvaluationBatches(deps: EnqueueDeps, eventIds: readonly string[]): Promise<boolean> {
  if (eventIds.length === 0) return true;
  if (deps.redis && ['reconnecting', 'close', 'end'].includes(deps.redis.status)) {
    deps.logger.warn({ events: eventIds.length, redis: deps.redis.status }, 'Redis unavailable; evaluate jobs left to the relay');
    return false;
  }
  const chunks: { payload: EvaluateBatchPayload }[] = [];
  for (let i = 0; i < eventIds.length; i += MAX_EVALUATION_BATCH) chunks.push({ payload: { eventIds: eventIds.slice(i, i + MAX_EVALUATION_BATCH) } });
  return withTimeout(deps, eventIds.length, deps.queues.enqueueBulk(evaluateBatchJob, chunks));
}

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
  return withTimeout(deps, eventIds.length, deps.queues.enqueueBulk(evaluateEventJob, eventIds.map((eventId) => ({ payload: { eventId }, jobId: `event-${eventId}` }))));
}

async function withTimeout(deps: EnqueueDeps, events: number, adding: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      adding,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('enqueue timed out')), ENQUEUE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch (error) {
    deps.logger.warn({ events, err: error }, 'evaluate jobs not enqueued; the relay will retry');
    return false;
  } finally {
    clearTimeout(timer);
  }
}

// One batcher per producer: deliveries accepted within EVALUATION_LINGER_MS share one evaluate-batch
// job (one addBulk round trip). Why by time: at hundreds of events/s a turn of the event loop holds
// one or two deliveries, and each job costs the worker about ten round trips whatever its size;
// batches of a few milliseconds cut the jobs several-fold for a few milliseconds of latency (the
// 202 does not wait for this: the event is already committed).
export const EVALUATION_LINGER_MS = 10;
const batchers = new WeakMap<object, GroupCommit<string, boolean>>();

/** Queues one event's evaluation, in one evaluate-batch job with the events accepted beside it. */
export function enqueueEvaluation(deps: EnqueueDeps, eventId: string): Promise<boolean> {
  let batcher = batchers.get(deps.queues);
  if (!batcher) {
    batcher = new GroupCommit(async (ids: string[]) => {
      const queued = await enqueueEvaluationBatches(deps, ids);
      return ids.map(() => queued);
    }, { maxBatch: MAX_EVALUATION_BATCH, maxInFlight: 2, lingerMs: EVALUATION_LINGER_MS });
    batchers.set(deps.queues, batcher);
  }
  return batcher.submit(eventId);
}
