import { analyticsRecorder } from '../analytics';
import type { AppContext } from '../context';
import type { Platform } from '../courses';
import { PgLtiStore, serviceClients, userAgentOf } from '../lti';
import { isLaurelError } from '../errors';
import { defineJob, UnrecoverableError, type Queues } from '../queue';
import { mailerFor } from './email/mailer';
import { markFailed, sendIssuedEmail, type EmailDeps } from './email/send';
import { syncGradebook, type GradebookDeps } from './gradebook';
import { emailPayload, gradebookPayload, type EmailPayload, type GradebookPayload } from './schema';

/**
 * Bursts coalesce into one post per learner and window: the job id names the window, the job runs when
 * the window closes and reads the state then. Any trigger inside a window is enqueued before the job
 * runs, so the last change is always seen; a trigger after it starts a new window.
 */
export const GRADEBOOK_WINDOW_MS = 1500;
export const EMAIL_ATTEMPTS = 6;

export async function queueGradebook(queues: Queues, props: GradebookPayload & { now?: number }): Promise<string> {
  const now = props.now ?? Date.now();
  const windowEnd = (Math.floor(now / GRADEBOOK_WINDOW_MS) + 1) * GRADEBOOK_WINDOW_MS;
  return queues.enqueue(gradebookJob, { courseId: props.courseId, learnerId: props.learnerId }, {
    jobId: `gradebook-${props.courseId}-${props.learnerId}-${windowEnd}`,
    delay: Math.max(1, windowEnd - now),
  });
}

export function gradebookDeps(ctx: AppContext): GradebookDeps {
  return {
    db: ctx.database.db,
    baseUrl: ctx.config.BASE_URL,
    now: () => new Date(),
    async agsFor(platform: Platform) {
      const store = new PgLtiStore(ctx.database.db);
      await store.setup();
      return serviceClients({ store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY, userAgent: userAgentOf(ctx.config.BASE_URL), logger: ctx.logger }, platform).ags;
    },
  };
}

let warnedNoSmtp = false;

export function emailDeps(ctx: AppContext): EmailDeps {
  const mailer = mailerFor(ctx.config);
  if (mailer.kind === 'disabled' && ctx.config.EMAIL_NOTIFICATIONS === 'on' && !warnedNoSmtp) {
    warnedNoSmtp = true;
    ctx.logger.warn('learner email is on but SMTP_URL is not set: no badge emails are sent (set SMTP_URL, or EMAIL_NOTIFICATIONS=off)');
  }
  return {
    db: ctx.database.db,
    mailer,
    baseUrl: ctx.config.BASE_URL,
    linkSecret: ctx.config.SESSION_SECRET,
    from: ctx.config.MAIL_FROM,
    // Production without SMTP: skipped (recorded as such), not retried six times per award.
    enabled: ctx.config.EMAIL_NOTIFICATIONS === 'on' && mailer.kind !== 'disabled',
    onNotified: (ref) => analyticsRecorder(ctx).count({ ...ref, kind: 'notified' }),
  };
}

/** `reach.gradebook` (queue notify): score + comment on Laurel's line item for one learner. */
export const gradebookJob = defineJob<GradebookPayload>({
  name: 'reach.gradebook',
  queue: 'notify',
  schema: gradebookPayload,
  options: { removeOnComplete: { age: 3600, count: 5000 } },
  async perform(payload, run) {
    try {
      return await syncGradebook(gradebookDeps(run.ctx), payload);
    } catch (error) {
      // The LMS said this score can never be accepted (not gradable, no such item): retrying will not help.
      const status = isLaurelError(error) ? (error.details as { status?: number } | undefined)?.status : undefined;
      if (status === 400 || status === 404 || status === 422) throw new UnrecoverableError(`the LMS refused the score (HTTP ${status})`);
      throw error;
    }
  },
});

/** `reach.email` (queue notify): the issuance email; retried with backoff, never part of issuance. */
export const emailJob = defineJob<EmailPayload>({
  name: 'reach.email',
  queue: 'notify',
  schema: emailPayload,
  options: { attempts: EMAIL_ATTEMPTS, backoff: { type: 'exponential', delay: 5000 } },
  async perform(payload, run) {
    try {
      return await sendIssuedEmail(emailDeps(run.ctx), payload);
    } catch (error) {
      if (run.attempt >= EMAIL_ATTEMPTS) await markFailed(run.ctx.database.db, payload.awardId, error instanceof Error ? error.message : String(error));
      throw error;
    }
  },
});

/** One award of one learner in one course: what the reactions below are told. */
export interface AwardRef {
  awardId: string;
  courseId: string;
  learnerId: string;
}

/**
 * Reach's reactions to badges' domain events, subscribed by the composition root (src/app/subscribers.ts):
 * an award's change (issued, revoked, expired) refreshes Laurel's gradebook column by queueing
 * reach's own coalesced job (its id names the learner's window, so a burst is one post). The issuance
 * email is `emailJob`'s work, run as the `credential.issued` subscriber (idempotent per award and channel).
 */
export async function refreshGradebook(queues: Queues, award: AwardRef): Promise<{ queued: string }> {
  await queueGradebook(queues, { courseId: award.courseId, learnerId: award.learnerId });
  return { queued: 'gradebook' };
}

export const reachJobs = [gradebookJob, emailJob];
