import { z } from 'zod';
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

export async function enqueueEvaluation(deps: Pick<AppContext, 'queues' | 'logger'> & { redis?: Pick<AppContext['redis'], 'status'> }, eventId: string): Promise<boolean> {
  // Redis known to be down (not merely still connecting): do not make the LMS wait for a timeout;
  // the relay queues the event later.
  if (deps.redis && ['reconnecting', 'close', 'end'].includes(deps.redis.status)) {
    deps.logger.warn({ eventId, redis: deps.redis.status }, 'Redis unavailable; evaluate job left to the relay');
    return false;
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.queues.enqueue(evaluateEventJob, { eventId }, { jobId: `event-${eventId}` }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('enqueue timed out')), ENQUEUE_TIMEOUT_MS);
      }),
    ]);
    return true;
  } catch (error) {
    deps.logger.warn({ eventId, err: error }, 'evaluate job not enqueued; the relay will retry');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
