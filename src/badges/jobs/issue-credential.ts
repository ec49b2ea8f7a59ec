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
      const { credential, created } = await issueCredential(badgesDepsFor(run.ctx), payload);
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
