import { sql, type Kysely } from 'kysely';

/** One badge on the person's "My badges" page. */
export interface MyBadge {
  awardId: string;
  name: string;
  description: string;
  courseTitle: string;
  awardedAt: Date;
  status: 'issued' | 'expired';
  visibility: 'public' | 'private';
  /** Absent while the credential is being signed. */
  credentialId: string | null;
  achievementId: string;
  imageUrl: string | null;
}

/**
 * Every badge of a person across the courses of their platform (the institution), newest first:
 * valid and expired ones, revoked ones left out. The person is the learner of the session and any
 * learner record of the same platform carrying the same LMS user id (Canvas events may have created one
 * before the person launched Laurel).
 */
export async function myBadges(db: Kysely<any>, props: { platformId: string; learnerId: string; now: Date }): Promise<MyBadge[]> {
  const { rows } = await sql<{
    award_id: string; name: string; description: string; course_title: string; awarded_at: Date; status: string; expires_at: Date | null;
    visibility: 'public' | 'private'; credential_id: string | null; achievement_id: string; image_url: string | null;
  }>`
    with me as (select id, lms_user_id from learners where id = ${props.learnerId} and platform_id = ${props.platformId}),
    people as (
      select id from me
      union select l.id from learners l, me where l.platform_id = ${props.platformId} and me.lms_user_id is not null and l.lms_user_id = me.lms_user_id
    )
    select w.id as award_id, a.name, a.description, c.title as course_title, w.awarded_at, w.status, w.expires_at, w.visibility,
      w.credential_id, a.id as achievement_id, a.image_url
    from awards w
      join people p on p.id = w.learner_id
      join achievements a on a.id = w.achievement_id
      join courses c on c.id = w.course_id and c.platform_id = ${props.platformId}
    where w.status <> 'revoked'
    order by w.awarded_at desc, w.id
    limit 500`.execute(db);
  return rows.map((r) => ({
    awardId: r.award_id,
    name: r.name,
    description: r.description,
    courseTitle: r.course_title,
    awardedAt: r.awarded_at,
    status: r.status === 'expired' || (r.expires_at !== null && r.expires_at.getTime() <= props.now.getTime()) ? 'expired' : 'issued',
    visibility: r.visibility,
    credentialId: r.credential_id,
    achievementId: r.achievement_id,
    imageUrl: r.image_url,
  }));
}
