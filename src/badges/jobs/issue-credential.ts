import { publish } from '../../domain-events';
import type { AppContext } from '../../context';
import { isLaurelError } from '../../errors';
import { defineJob, UnrecoverableError } from '../../queue';
import { badgesDepsFor } from '../context';
import { issueCredential } from '../issue';
import { issueCredentialPayload, type IssueCredentialPayload } from '../schema';

export const ISSUE_CREDENTIAL_JOB = 'badges.issue-credential';

/**
 * Signs and stores an award's credential, then announces it: what the issue job does, callable by a
 * worker that has just made the award (the evaluate job issues in the same run instead of another
 * queue hop). Idempotent: issueCredential returns the stored credential of an award that has one,
 * and the announcements' job ids are per award. Throws what a retry may cure; a revoked award is
 * `{ skipped: 'revoked' }`.
 */
export async function issueAwardCredential(ctx: AppContext, payload: IssueCredentialPayload): Promise<{ credentialId: string; created: boolean } | { skipped: 'revoked' }> {
  try {
    const deps = badgesDepsFor(ctx);
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
    throw error;
  }
}

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
      return await issueAwardCredential(run.ctx, payload);
    } catch (error) {
      // A missing award will not appear by retrying: straight to dead letters.
      if (isLaurelError(error, 'ERR_NOT_FOUND')) throw new UnrecoverableError(error.message);
      throw error;
    }
  },
});
