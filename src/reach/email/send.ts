import { sql, type Kysely } from 'kysely';
import { signLink, reachUrls } from '../links';
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

interface AwardFacts {
  status: string;
  course_id: string;
  achievement_id: string;
  credential_id: string | null;
  learner_id: string;
  email: string | null;
  learner_name: string | null;
  opted_out: boolean | null;
  badge_name: string;
  description: string;
  criteria_narrative: string;
  course_title: string;
  issuer_name: string | null;
}

/**
 * Tells a learner by email that a badge was issued, at most once per award: the (award, email) row is
 * written after the server accepted the message, so a retried job does not send twice once it has sent
 * (a crash between the two can, rarely, send a second copy: at-least-once, never zero).
 */
export async function sendIssuedEmail(deps: EmailDeps, props: { awardId: string }): Promise<EmailOutcome> {
  const done = (await sql<{ status: string }>`select status from reach_notifications where award_id = ${props.awardId} and channel = 'email'`.execute(deps.db)).rows[0];
  if (done?.status === 'sent') return { sent: false, skipped: 'already-sent' };
  const facts = (await sql<AwardFacts>`
    select w.status, w.course_id, w.achievement_id, w.credential_id, w.learner_id, l.email, l.name as learner_name,
      p.email_opt_out as opted_out, a.name as badge_name, a.description, a.criteria_narrative, c.title as course_title,
      i.name as issuer_name
    from awards w
      join learners l on l.id = w.learner_id
      join achievements a on a.id = w.achievement_id
      join courses c on c.id = w.course_id
      left join credentials cr on cr.id = w.credential_id
      left join credential_issuers i on i.id = cr.issuer_id
      left join reach_learner_preferences p on p.learner_id = w.learner_id
    where w.id = ${props.awardId}`.execute(deps.db)).rows[0];
  if (!facts || facts.status === 'revoked') return skip(deps, props.awardId, 'revoked');
  if (!facts.credential_id) return { sent: false, skipped: 'no-credential' };
  if (!deps.enabled) return skip(deps, props.awardId, 'disabled');
  if (!facts.email) return skip(deps, props.awardId, 'no-address');
  if (facts.opted_out) return skip(deps, props.awardId, 'opted-out');

  const base = deps.baseUrl;
  const credentialUrl = `${base}/credentials/${facts.credential_id}`;
  const message = issuedEmail({
    learnerName: facts.learner_name,
    to: facts.email,
    from: deps.from,
    badge: { name: facts.badge_name, description: facts.description, criteria: facts.criteria_narrative, imageUrl: `${base}/achievements/${facts.achievement_id}/image` },
    courseTitle: facts.course_title,
    issuerName: facts.issuer_name ?? 'Laurel',
    links: {
      view: credentialUrl,
      download: `${credentialUrl}/badge.png`,
      share: `${credentialUrl}/linkedin`,
      wallet: `${base}/lti/courses/${facts.course_id}/learner#achievement-${facts.achievement_id}`,
      unsubscribe: reachUrls.unsubscribe(base, signLink(deps.linkSecret, 'unsubscribe', facts.learner_id)),
      openPixel: reachUrls.open(base, signLink(deps.linkSecret, 'open', props.awardId)),
    },
  });
  const { messageId } = await deps.mailer.send(message);
  const first = await markSent(deps.db, props.awardId, 'email');
  if (first) deps.onNotified({ courseId: facts.course_id, achievementId: facts.achievement_id });
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
