import { onAwardRevoked, repointPlatformAchievements } from '../badges';
import { onPlatformIssuerChanged } from '../credentials';
import { installSubscriptions, Subscriptions } from '../domain-events';
import { reevaluateAfterAward } from '../events';
import { emailJob, refreshGradebook } from '../reach';
import { revokeHolderCopies } from '../wallets';

/**
 * Who reacts to which domain event: the only place that knows both sides. Every role loads this
 * module (the web app and the worker's job list import it), so a web-only and a worker-only process
 * register the same reactions. Each subscriber runs as its own job (`<event>.<name>` on the notify
 * queue) with its own retries; all are idempotent, since delivery is at least once.
 */
export const subscriptions = new Subscriptions()
  // Badges from badges: another published rule of the course may read the badge just awarded. A
  // learner may be waiting for that badge, so it is not held back behind notify work. An award a
  // rule evaluation made already had every rule evaluated with it held (`badgeRulesEvaluated`): no
  // job for it, which spares a job and a query per award on the grade-to-badge path.
  .subscribe('award.made', 'badge-rules', (award, run) => reevaluateAfterAward(run.ctx, award), undefined, {
    lane: 'foreground',
    when: (award) => award.badgeRulesEvaluated !== true,
  })
  // Reach: the learner's email and Laurel's gradebook column (AGS score + comment).
  // The email is sent by the subscriber's own job, with the email job's attempts and failure record.
  .subscribe('credential.issued', 'email', (award, run) => emailJob.perform({ awardId: award.awardId }, run), emailJob.options)
  .subscribe('credential.issued', 'gradebook', (award, run) => refreshGradebook(run.ctx.queues, award))
  .subscribe('award.revoked', 'gradebook', (award, run) => refreshGradebook(run.ctx.queues, award))
  .subscribe('award.expired', 'gradebook', (award, run) => refreshGradebook(run.ctx.queues, award));

// Carries in this process add the subscribers' jobs directly (no dispatch hop).
installSubscriptions(subscriptions);

/**
 * Reactions that must commit with the owner's change, so they are ports called inside its transaction
 * rather than queued events: a holder-bound wallet copy is revoked in the same commit as its award
 * (a verifier must never find the copy valid after the original is revoked); a platform bound to an
 * issuer of its own (or returned to the default) has its achievements repointed on the same executor,
 * so the next credential is signed by the institution's issuer. Idempotent.
 */
export function registerInTransactionPorts(): void {
  onAwardRevoked(revokeHolderCopies);
  onPlatformIssuerChanged(repointPlatformAchievements);
}
registerInTransactionPorts();
