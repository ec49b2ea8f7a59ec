import type { Kysely } from 'kysely';
import { credentialsStoredAfter, publicValidAwardsOf, type AwardDetails, type StoredCredentialKey } from '../badges';
import { courseFacts, learnerFacts, learnersOfPlatformUser, platformCourseIds, type LearnerFacts } from '../courses';
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

type Credential = NonNullable<AwardDetails['credential']>;

const present = (baseUrl: string, award: AwardDetails, credential: Credential, courseTitle: string): MoodleBadge => ({
  awardId: award.id,
  name: award.achievement.name,
  description: award.achievement.description,
  courseTitle,
  issuedOn: credential.issuedAt.toISOString(),
  url: `${baseUrl}/credentials/${credential.id}`,
  imageUrl: `${baseUrl}/achievements/${award.achievementId}/image`,
});

/**
 * A Moodle user's valid, public badges on one platform (the source's), newest first; optionally only
 * those of one Moodle course. Hidden (private), revoked, expired and unsigned awards are left out: the
 * profile is seen by other users.
 */
export async function moodleProfileBadges(db: Kysely<any>, props: { platformId: string; moodleUserId: string; moodleCourseId?: string; baseUrl: string; now: Date }): Promise<MoodleBadge[]> {
  const { platformId } = props;
  const people = await learnersOfPlatformUser(db, { platformId, userId: props.moodleUserId });
  const courseIds = props.moodleCourseId === undefined ? undefined : await platformCourseIds(db, { platformId, lmsCourseId: props.moodleCourseId });
  const awards = await publicValidAwardsOf(db, { platformId, learnerIds: people.map((p) => p.id), ...(courseIds ? { courseIds } : {}), now: props.now, limit: 200 });
  const courses = await courseFacts(db, awards.map((a) => a.courseId));
  return awards.flatMap((award) => {
    const course = courses.get(award.courseId);
    return award.credential && course ? [present(props.baseUrl, award, award.credential, course.title)] : [];
  });
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

/** A Moodle user id: the learner's LMS user id, else their LTI user id, when it is a number. */
function moodleUserIdOf(learner: LearnerFacts | undefined): string | undefined {
  const id = learner ? learner.lmsUserId ?? learner.ltiUserId : null;
  return id !== null && /^[0-9]+$/.test(id) ? id : undefined;
}

/**
 * Credentials issued on this platform since the plugin last asked, for Moodle notifications, oldest
 * first, at most `limit`. Without a cursor (the plugin's first run) nothing old is sent: the answer is
 * empty with a cursor at `now`. Each award handed out is recorded as notified through Moodle.
 */
export async function moodleNotifications(db: Kysely<any>, props: { platformId: string; after?: string; baseUrl: string; now: Date; limit?: number; onNotified?: (ref: { courseId: string; achievementId: string }) => void }): Promise<{ items: Array<MoodleBadge & { moodleUserId: string }>; cursor: string }> {
  const cursor = decodeCursor(props.after);
  if (!cursor) return { items: [], cursor: encodeCursor({ micros: `${props.now.getTime()}000`, awardId: '00000000-0000-0000-0000-000000000000' }) };
  const limit = props.limit ?? 100;
  // Badges answers the platform's newly stored credentials; only those of a learner with a Moodle user
  // id are the plugin's. Read on past the others until `limit` are found or none remain.
  const found: Array<{ award: AwardDetails & { key: StoredCredentialKey }; credential: Credential; moodleUserId: string; courseTitle: string }> = [];
  let after: StoredCredentialKey = { storedAtMicros: cursor.micros, awardId: cursor.awardId };
  for (;;) {
    const page = await credentialsStoredAfter(db, { platformId: props.platformId, after, limit });
    const [learners, courses] = await Promise.all([learnerFacts(db, page.map((a) => a.learnerId)), courseFacts(db, page.map((a) => a.courseId))]);
    for (const award of page) {
      const moodleUserId = moodleUserIdOf(learners.get(award.learnerId));
      const course = courses.get(award.courseId);
      if (moodleUserId !== undefined && course && award.credential && found.length < limit) found.push({ award, credential: award.credential, moodleUserId, courseTitle: course.title });
    }
    const last = page.at(-1);
    if (!last || page.length < limit || found.length >= limit) break;
    after = last.key;
  }
  for (const { award } of found) {
    if (await markSent(db, award.id, 'moodle')) props.onNotified?.({ courseId: award.courseId, achievementId: award.achievementId });
  }
  const last = found.at(-1);
  return {
    items: found.map((f) => ({ ...present(props.baseUrl, f.award, f.credential, f.courseTitle), moodleUserId: f.moodleUserId })),
    cursor: last ? encodeCursor({ micros: last.award.key.storedAtMicros, awardId: last.award.key.awardId }) : encodeCursor(cursor),
  };
}
