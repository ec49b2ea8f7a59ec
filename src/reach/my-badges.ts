import type { Kysely } from 'kysely';
import { unrevokedAwardsOf } from '../badges';
import { courseFacts, learnerIdsOfPerson } from '../courses';

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
  const people = await learnerIdsOfPerson(db, props);
  const awards = await unrevokedAwardsOf(db, { platformId: props.platformId, learnerIds: people, limit: 500 });
  const courses = await courseFacts(db, awards.map((a) => a.courseId));
  return awards.flatMap((award) => {
    const course = courses.get(award.courseId);
    if (!course) return [];
    const expired = award.status === 'expired' || (award.expiresAt !== null && award.expiresAt.getTime() <= props.now.getTime());
    return [{
      awardId: award.id,
      name: award.achievement.name,
      description: award.achievement.description,
      courseTitle: course.title,
      awardedAt: award.awardedAt,
      status: expired ? 'expired' : 'issued',
      visibility: award.visibility,
      credentialId: award.credential?.id ?? null,
      achievementId: award.achievementId,
      imageUrl: award.achievement.imageUrl,
    } satisfies MyBadge];
  });
}
