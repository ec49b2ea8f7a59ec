import type { AppContext } from '../../context';
import { isLaurelError } from '../../errors';
import { defineJob, UnrecoverableError } from '../../queue';
import { badgesDepsFor } from '../context';
import { issueCredential } from '../issue';
import { AFTER_ISSUE_JOB, afterIssuePayload, issueCredentialPayload, type IssueCredentialPayload } from '../schema';

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
    // The award's course, learner and whether a badge rule reads it come with the batched load.
    const { credential, created, award } = await issueCredential(badgesDepsFor(ctx), payload);
    if (created && award.readByBadgeRules) {
      // Job id = award id: a retried issue job queues the re-evaluation once.
      await ctx.queues.get('notify').add(AFTER_ISSUE_JOB, afterIssuePayload.parse(payload), { jobId: `after-issue-${payload.awardId}` });
    }
    // On every successful run, not only the first: a run that stored the credential and then lost Redis
    // announces on retry. The job id per award makes it once; reactions are idempotent besides.
    await badgesDepsFor(ctx).announce?.('credential.issued', { awardId: payload.awardId, courseId: award.courseId, learnerId: award.learnerId });
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
