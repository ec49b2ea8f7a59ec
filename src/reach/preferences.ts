import { sql, type Kysely } from 'kysely';
import { awardDetails } from '../badges';

/** The learner's choice: true when they asked for no more email. */
export async function emailOptedOut(db: Kysely<any>, learnerId: string): Promise<boolean> {
  const row = (await sql<{ email_opt_out: boolean }>`select email_opt_out from reach_learner_preferences where learner_id = ${learnerId}`.execute(db)).rows[0];
  return row?.email_opt_out ?? false;
}

export async function setEmailOptOut(db: Kysely<any>, props: { learnerId: string; optOut: boolean }): Promise<void> {
  await sql`
    insert into reach_learner_preferences (learner_id, email_opt_out) values (${props.learnerId}, ${props.optOut})
    on conflict (learner_id) do update set email_opt_out = excluded.email_opt_out, updated_at = now()`.execute(db);
}

export async function gradebookFeedbackOn(db: Kysely<any>, courseId: string): Promise<boolean> {
  const row = (await sql<{ gradebook_feedback: boolean }>`select gradebook_feedback from reach_course_settings where course_id = ${courseId}`.execute(db)).rows[0];
  return row?.gradebook_feedback ?? true;
}

export async function setGradebookFeedback(db: Kysely<any>, props: { courseId: string; on: boolean }): Promise<void> {
  await sql`
    insert into reach_course_settings (course_id, gradebook_feedback) values (${props.courseId}, ${props.on})
    on conflict (course_id) do update set gradebook_feedback = excluded.gradebook_feedback, updated_at = now()`.execute(db);
}

/**
 * The first fetch of an email's open pixel: returns the award's course and badge when this fetch is the
 * first (counted once), undefined otherwise. Image proxies (Gmail) fetch once for the recipient.
 */
export async function markOpened(db: Kysely<any>, awardId: string): Promise<{ courseId: string; achievementId: string } | undefined> {
  const { rows } = await sql<{ award_id: string }>`
    update reach_notifications set opened_at = now(), updated_at = now()
    where award_id = ${awardId} and channel = 'email' and status = 'sent' and opened_at is null
    returning award_id`.execute(db);
  if (!rows[0]) return undefined;
  const award = (await awardDetails(db, [rows[0].award_id])).get(rows[0].award_id);
  return award ? { courseId: award.courseId, achievementId: award.achievementId } : undefined;
}
