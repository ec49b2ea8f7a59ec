import { AFTER_ISSUE_JOB, afterIssuePayload, getAward, type AfterIssuePayload } from '../../badges';
import { defineJob } from '../../queue';
import { evaluateLearner } from '../evaluate-learner';

/**
 * `badges.after-issue` (queue `notify`): a learner was issued a badge that another published rule of
 * the course reads, so their rules are evaluated again. Rule-made awards already chain within one
 * evaluation; this is what makes manual awards (and awards issued after a rule was published) count
 * toward "badges from badges". Awards are exactly-once, so a repeated run is harmless.
 */
export const afterIssueJob = defineJob<AfterIssuePayload>({
  name: AFTER_ISSUE_JOB,
  queue: 'notify',
  // Its award may be a badge a learner is waiting for (badges from badges): not held back.
  lane: 'foreground',
  schema: afterIssuePayload,
  async perform(payload, run) {
    const award = await getAward({ db: run.ctx.database.db }, payload.awardId);
    if (award.status === 'revoked') return { skipped: 'revoked' };
    const result = await evaluateLearner(run.ctx, { courseId: award.course_id, learnerId: award.learner_id, now: new Date(), issue: 'inline' });
    return { awarded: result.awarded };
  },
});
