import { sql, type Kysely } from 'kysely';
import { awardDetails } from '../../badges';
import { courseFacts, learnerFacts } from '../../courses';
import { issuerNames } from '../../credentials';
import { signLink, reachUrls } from '../links';
import { emailOptedOut } from '../preferences';
import { issuedEmail } from './message';
import type { Mailer } from './mailer';

export interface EmailDeps {
  db: Kysely<any>;
  mailer: Mailer;
  baseUrl: string;
  /** Signs unsubscribe and open links (SESSION_SECRET). */
  linkSecret: string;
  from: string;
  enabled: boolean;
  /** Called once per award when the learner is first told of it (analytics `notified`). */
  onNotified(ref: { courseId: string; achievementId: string }): void;
}

export type EmailOutcome =
  | { sent: true; messageId: string }
  | { sent: false; skipped: 'already-sent' | 'disabled' | 'revoked' | 'no-credential' | 'no-address' | 'opted-out' };

/**
 * Tells a learner by email that a badge was issued, at most once per award: the (award, email) row is
 * written after the server accepted the message, so a retried job does not send twice once it has sent
 * (a crash between the two can, rarely, send a second copy: at-least-once, never zero).
 */
export async function sendIssuedEmail(deps: EmailDeps, props: { awardId: string }): Promise<EmailOutcome> {
  const done = (await sql<{ status: string }>`select status from reach_notifications where award_id = ${props.awardId} and channel = 'email'`.execute(deps.db)).rows[0];
  if (done?.status === 'sent') return { sent: false, skipped: 'already-sent' };
  // Each owner answers its part: badges the award and its achievement, courses the learner and the
  // course, credentials the issuer; the learner's choice is reach's own.
  const award = (await awardDetails(deps.db, [props.awardId])).get(props.awardId);
  const [learner, course] = award
    ? await Promise.all([learnerFacts(deps.db, [award.learnerId]).then((m) => m.get(award.learnerId)), courseFacts(deps.db, [award.courseId]).then((m) => m.get(award.courseId))])
    : [];
  if (!award || !learner || !course || award.status === 'revoked') return skip(deps, props.awardId, 'revoked');
  if (!award.credential) return { sent: false, skipped: 'no-credential' };
  if (!deps.enabled) return skip(deps, props.awardId, 'disabled');
  if (!learner.email) return skip(deps, props.awardId, 'no-address');
  if (await emailOptedOut(deps.db, award.learnerId)) return skip(deps, props.awardId, 'opted-out');
  const issuerName = (await issuerNames(deps.db, [award.credential.issuerId])).get(award.credential.issuerId);

  const base = deps.baseUrl;
  const credentialUrl = `${base}/credentials/${award.credential.id}`;
  const message = issuedEmail({
    learnerName: learner.name,
    to: learner.email,
    from: deps.from,
    badge: { name: award.achievement.name, description: award.achievement.description, criteria: award.achievement.criteriaNarrative, imageUrl: `${base}/achievements/${award.achievementId}/image` },
    courseTitle: course.title,
    issuerName: issuerName ?? 'Laurel',
    links: {
      view: credentialUrl,
      download: `${credentialUrl}/badge.png`,
      share: `${credentialUrl}/linkedin`,
      wallet: `${base}/lti/courses/${award.courseId}/learner#achievement-${award.achievementId}`,
      unsubscribe: reachUrls.unsubscribe(base, signLink(deps.linkSecret, 'unsubscribe', award.learnerId)),
      openPixel: reachUrls.open(base, signLink(deps.linkSecret, 'open', props.awardId)),
    },
  });
  const { messageId } = await deps.mailer.send(message);
  const first = await markSent(deps.db, props.awardId, 'email');
  if (first) deps.onNotified({ courseId: award.courseId, achievementId: award.achievementId });
  return { sent: true, messageId };
}

async function skip(deps: EmailDeps, awardId: string, reason: 'revoked' | 'disabled' | 'no-address' | 'opted-out'): Promise<EmailOutcome> {
  await sql`
    insert into reach_notifications (award_id, channel, status, reason) values (${awardId}, 'email', 'skipped', ${reason})
    on conflict (award_id, channel) do nothing`.execute(deps.db).catch(() => undefined);
  return { sent: false, skipped: reason };
}

/**
 * Records that a channel told the learner; true when this is the award's first notification on any
 * channel (so `notified` counts learners, not messages).
 */
export async function markSent(db: Kysely<any>, awardId: string, channel: 'email' | 'moodle'): Promise<boolean> {
  const { rows } = await sql<{ first: boolean }>`
    with before as (select count(*) as n from reach_notifications where award_id = ${awardId} and status = 'sent'),
    up as (
      insert into reach_notifications (award_id, channel, status, attempts, sent_at) values (${awardId}, ${channel}, 'sent', 1, now())
      on conflict (award_id, channel) do update set status = 'sent', reason = null, attempts = reach_notifications.attempts + 1, sent_at = now(), updated_at = now()
        where reach_notifications.status <> 'sent'
      returning 1
    )
    select (select n from before) = 0 and exists (select 1 from up) as first`.execute(db);
  return rows[0]?.first ?? false;
}

/** Records a final failure (all retries spent), so the instructor's reach view can say so. */
export async function markFailed(db: Kysely<any>, awardId: string, reason: string): Promise<void> {
  await sql`
    insert into reach_notifications (award_id, channel, status, reason) values (${awardId}, 'email', 'failed', ${reason.slice(0, 500)})
    on conflict (award_id, channel) do update set status = 'failed', reason = excluded.reason, updated_at = now() where reach_notifications.status <> 'sent'`.execute(db);
}
