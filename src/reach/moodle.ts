import { sql, type Kysely } from 'kysely';
import { markSent } from './email/send';

/** One badge as the Moodle plugin shows it on a profile and in a notification. */
export interface MoodleBadge {
  awardId: string;
  name: string;
  description: string;
  courseTitle: string;
  issuedOn: string;
  /** The credential's public page. */
  url: string;
  imageUrl: string;
}

interface BadgeRow {
  award_id: string;
  name: string;
  description: string;
  course_title: string;
  issued_at: Date;
  credential_id: string;
  achievement_id: string;
  created_at: Date;
  moodle_user_id: string;
}

const present = (baseUrl: string, r: BadgeRow): MoodleBadge => ({
  awardId: r.award_id,
  name: r.name,
  description: r.description,
  courseTitle: r.course_title,
  issuedOn: r.issued_at.toISOString(),
  url: `${baseUrl}/credentials/${r.credential_id}`,
  imageUrl: `${baseUrl}/achievements/${r.achievement_id}/image`,
});

/**
 * A Moodle user's valid, public badges on one platform (the source's), newest first; optionally only
 * those of one Moodle course. Hidden (private), revoked, expired and unsigned awards are left out: the
 * profile is seen by other users.
 */
export async function moodleProfileBadges(db: Kysely<any>, props: { platformId: string; moodleUserId: string; moodleCourseId?: string; baseUrl: string; now: Date }): Promise<MoodleBadge[]> {
  const course = props.moodleCourseId ?? null;
  const { rows } = await sql<BadgeRow>`
    select w.id as award_id, a.name, a.description, c.title as course_title, cr.issued_at, cr.id as credential_id, a.id as achievement_id,
      cr.created_at, coalesce(l.lms_user_id, l.lti_user_id) as moodle_user_id
    from learners l
      join awards w on w.learner_id = l.id
      join achievements a on a.id = w.achievement_id
      join courses c on c.id = w.course_id
      join credentials cr on cr.id = w.credential_id
    where l.platform_id = ${props.platformId} and (l.lms_user_id = ${props.moodleUserId} or (l.lms_user_id is null and l.lti_user_id = ${props.moodleUserId}))
      and c.platform_id = ${props.platformId}
      and w.status = 'issued' and (w.expires_at is null or w.expires_at > ${props.now}) and w.visibility = 'public'
      and (${course}::text is null or c.lms_course_id = ${course} or c.context_id = ${course})
    order by cr.issued_at desc, w.id
    limit 200`.execute(db);
  return rows.map((r) => present(props.baseUrl, r));
}

/** Where the plugin's notification task left off: the last credential it was given. */
// Microseconds since the epoch, as PostgreSQL stores timestamps: a millisecond cursor would hand the
// last credential out again and again.
export interface NotificationCursor {
  micros: string;
  awardId: string;
}

export function encodeCursor(cursor: NotificationCursor): string {
  return `${cursor.micros}_${cursor.awardId}`;
}

export function decodeCursor(value: string | undefined): NotificationCursor | undefined {
  const match = value ? /^(\d{1,17})_([0-9a-f-]{36})$/.exec(value) : null;
  return match ? { micros: match[1]!, awardId: match[2]! } : undefined;
}

const MICROS = sql`(extract(epoch from cr.created_at) * 1000000)::bigint`;

/**
 * Credentials issued on this platform since the plugin last asked, for Moodle notifications, oldest
 * first, at most `limit`. Without a cursor (the plugin's first run) nothing old is sent: the answer is
 * empty with a cursor at `now`. Each award handed out is recorded as notified through Moodle.
 */
export async function moodleNotifications(db: Kysely<any>, props: { platformId: string; after?: string; baseUrl: string; now: Date; limit?: number; onNotified?: (ref: { courseId: string; achievementId: string }) => void }): Promise<{ items: Array<MoodleBadge & { moodleUserId: string }>; cursor: string }> {
  const cursor = decodeCursor(props.after);
  if (!cursor) return { items: [], cursor: encodeCursor({ micros: `${props.now.getTime()}000`, awardId: '00000000-0000-0000-0000-000000000000' }) };
  const { rows } = await sql<BadgeRow & { course_id: string; micros: string }>`
    select w.id as award_id, a.name, a.description, c.title as course_title, cr.issued_at, cr.id as credential_id, a.id as achievement_id,
      cr.created_at, coalesce(l.lms_user_id, l.lti_user_id) as moodle_user_id, w.course_id, ${MICROS}::text as micros
    from credentials cr
      join awards w on w.id = cr.award_id
      join learners l on l.id = w.learner_id
      join achievements a on a.id = w.achievement_id
      join courses c on c.id = w.course_id
    where l.platform_id = ${props.platformId} and c.platform_id = ${props.platformId}
      and (${MICROS}, w.id) > (${cursor.micros}::bigint, ${cursor.awardId}::uuid)
      and w.status = 'issued' and coalesce(l.lms_user_id, l.lti_user_id) ~ '^[0-9]+$'
    order by cr.created_at, w.id
    limit ${props.limit ?? 100}`.execute(db);
  for (const row of rows) {
    if (await markSent(db, row.award_id, 'moodle')) props.onNotified?.({ courseId: row.course_id, achievementId: row.achievement_id });
  }
  const last = rows.at(-1);
  return {
    items: rows.map((r) => ({ ...present(props.baseUrl, r), moodleUserId: r.moodle_user_id })),
    cursor: last ? encodeCursor({ micros: last.micros, awardId: last.award_id }) : encodeCursor(cursor),
  };
}
