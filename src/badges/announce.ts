import { GroupCommit } from '../batching';
import type { Queues } from '../queue';
import type { Logger } from '../log';
import { AWARD_EXPIRED_JOB, AWARD_REVOKED_JOB, CREDENTIAL_ISSUED_JOB, awardEventPayload, type AwardEventPayload } from './schema';

export type AwardEventName = typeof CREDENTIAL_ISSUED_JOB | typeof AWARD_REVOKED_JOB | typeof AWARD_EXPIRED_JOB;

/** Publishes badges' domain events; built by badgesDepsFor from the process's queues. */
export type Announce = (event: AwardEventName, payload: AwardEventPayload) => Promise<void>;

/**
 * Domain events go to the `notify` queue with a job id per award and event, so a retried issue job or a
 * repeated revocation announces once while the job is retained. Concurrent announcements (a batch of
 * issue jobs finishing together) share one Redis round trip (addBulk); each caller still gets its own
 * outcome.
 */
export function queueAnnouncer(queues: Pick<Queues, 'get'>, logger: Logger): Announce {
  let batcher = batchers.get(queues);
  if (!batcher) {
    batcher = new GroupCommit(async (items: { event: AwardEventName; data: AwardEventPayload }[]) => {
      await queues.get('notify').addBulk(items.map(({ event, data }) => ({ name: event, data, opts: { jobId: `${event.replace('.', '-')}-${data.awardId}` } })));
      return items.map(() => undefined);
    }, { maxBatch: 200, maxInFlight: 2 });
    batchers.set(queues, batcher);
  }
  const grouped = batcher;
  return async (event, payload) => {
    const data = awardEventPayload.parse(payload);
    try {
      await grouped.submit({ event, data });
    } catch (error) {
      logger.warn({ err: error, event, awardId: data.awardId }, 'could not announce a badge event');
      throw error;
    }
  };
}

const batchers = new WeakMap<object, GroupCommit<{ event: AwardEventName; data: AwardEventPayload }, undefined>>();
