import { publish } from '../../domain-events';
import { isLaurelError } from '../../errors';
import { defineJob, UnrecoverableError } from '../../queue';
import { badgesDepsFor } from '../context';
import { issueCredential } from '../issue';
import { issueCredentialPayload } from '../schema';

export const ISSUE_CREDENTIAL_JOB = 'badges.issue-credential';

/**
 * Signs and stores an award's credential. Enqueued with jobId = award id, so a repeated enqueue is a
 * no-op; a repeated run is harmless because issueCredential is idempotent.
 */
export const issueCredentialJob = defineJob({
  name: ISSUE_CREDENTIAL_JOB,
  queue: 'issue',
  schema: issueCredentialPayload,
  async perform(payload, run) {
    try {
      const deps = badgesDepsFor(run.ctx);
      const { credential, created, award } = await issueCredential(deps, payload);
      // On every successful run, not only the first: a run that stored the credential and then died, or
      // could not queue the event (publish throws), publishes on its retry: that retry is this event's
      // durability, so no outbox row is written. The job ids per award make it once while retained;
      // subscribers are idempotent besides.
      const event = { name: 'credential.issued' as const, payload: { awardId: payload.awardId, courseId: award.courseId, learnerId: award.learnerId } };
      if (deps.events) await publish(deps.events, [event]);
      return { credentialId: credential.id, created };
    } catch (error) {
      // Revoked before it was signed: nothing to do, and nothing to retry.
      if (isLaurelError(error, 'ERR_AWARD_REVOKED')) return { skipped: 'revoked' };
      // A missing award will not appear by retrying: straight to dead letters.
      if (isLaurelError(error, 'ERR_NOT_FOUND')) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
});
