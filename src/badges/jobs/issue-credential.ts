import { isLaurelError } from '../../errors';
import { defineJob, UnrecoverableError } from '../../queue';
import { badgesDepsFor } from '../context';
import { issueCredential } from '../issue';
import { AFTER_ISSUE_JOB, afterIssuePayload, issueCredentialPayload } from '../schema';
import { sql } from 'kysely';
import type { AppContext } from '../../context';

/** Whether a published rule of the award's course names the award's achievement (badges from badges). */
async function readByBadgeRules(ctx: AppContext, awardId: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    select exists (
      select 1 from awards a join achievements other on other.course_id = a.course_id and other.status = 'published' and other.id <> a.achievement_id
      where a.id = ${awardId} and strpos(other.rule::text, a.achievement_id::text) > 0
    ) as found`.execute(ctx.database.db);
  return rows[0]?.found ?? false;
}

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
      if (created && (await readByBadgeRules(run.ctx, payload.awardId))) {
        // Job id = award id: a retried issue job queues the re-evaluation once.
        await run.ctx.queues.get('notify').add(AFTER_ISSUE_JOB, afterIssuePayload.parse(payload), { jobId: `after-issue-${payload.awardId}` });
      }
      // On every successful run, not only the first: a run that stored the credential and then lost Redis
      // announces on retry. The job id per award makes it once; reactions are idempotent besides.
      const award = (await sql<{ course_id: string; learner_id: string }>`select course_id, learner_id from awards where id = ${payload.awardId}`.execute(run.ctx.database.db)).rows[0];
      if (award) await badgesDepsFor(run.ctx).announce?.('credential.issued', { awardId: payload.awardId, courseId: award.course_id, learnerId: award.learner_id });
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
