import type { Queues } from '../queue';
import type { Logger } from '../log';
import { AWARD_EXPIRED_JOB, AWARD_REVOKED_JOB, CREDENTIAL_ISSUED_JOB, awardEventPayload, type AwardEventPayload } from './schema';

export type AwardEventName = typeof CREDENTIAL_ISSUED_JOB | typeof AWARD_REVOKED_JOB | typeof AWARD_EXPIRED_JOB;

/** Publishes badges' domain events; built by badgesDepsFor from the process's queues. */
export type Announce = (event: AwardEventName, payload: AwardEventPayload) => Promise<void>;

/**
 * Domain events go to the `notify` queue with a job id per award and event, so a retried issue job or a
 * repeated revocation announces once while the job is retained.
 */
export function queueAnnouncer(queues: Pick<Queues, 'get'>, logger: Logger): Announce {
  return async (event, payload) => {
    const data = awardEventPayload.parse(payload);
    try {
      await queues.get('notify').add(event, data, { jobId: `${event.replace('.', '-')}-${data.awardId}` });
    } catch (error) {
      logger.warn({ err: error, event, awardId: data.awardId }, 'could not announce a badge event');
      throw error;
    }
  };
}
