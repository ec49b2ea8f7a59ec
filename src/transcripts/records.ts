import { sql, type Kysely } from 'kysely';
import { effectiveStatus } from '../badges';
import { parseRuleNode, referencedAchievementIds } from '../rules';
import type { ClrBadge, ClrCourse } from './clr';
import { transcriptsDb } from './tables';

/** Public URLs the record names; they match the badges' (`/achievements/<id>`) and the course pages. */
export const recordUrls = {
  course: (baseUrl: string, courseId: string) => `${baseUrl}/courses/${courseId}`,
  assessment: (baseUrl: string, courseId: string, assignmentId: string) => `${baseUrl}/courses/${courseId}/assessments/${assignmentId}`,
  achievement: (baseUrl: string, achievementId: string) => `${baseUrl}/achievements/${achievementId}`,
};

/** A course as the record describes it, plus the stacking links between its badges. */
export interface CourseOutline extends ClrCourse {
  courseId: string;
  precedes: { from: string; to: string }[];
}

/** One of a learner's awards with its signed credential (when signed), as read from badges' tables. */
export interface BadgeRecord extends ClrBadge {
  awardId: string;
  learnerId: string;
  courseId: string;
  issuerId: string | null;
  credentialUrl: string | null;
  score: string | null;
  awardedAt: Date;
}

export interface LearnerRecord {
  id: string;
  email: string | null;
  name: string | null;
  ltiUserId: string | null;
  platformIssuer: string | null;
}

/** The course, its live assessments and the `badges` rules that stack its achievements. */
export async function loadCourseOutline<T>(handle: Kysely<T>, props: { baseUrl: string; courseId: string }): Promise<CourseOutline | undefined> {
  const db = transcriptsDb(handle);
  const course = await db.selectFrom('courses').select(['id', 'title', 'label']).where('id', '=', props.courseId).executeTakeFirst();
  if (!course) return undefined;
  const [assignments, achievements] = await Promise.all([
    db.selectFrom('assignments').select(['id', 'name']).where('course_id', '=', course.id).where('deleted_at', 'is', null).orderBy('created_at').execute(),
    db.selectFrom('achievements').select(['id', 'rule']).where('course_id', '=', course.id).execute(),
  ]);
  const precedes: CourseOutline['precedes'] = [];
  for (const achievement of achievements) {
    for (const prerequisite of prerequisitesOf(achievement.rule)) {
      precedes.push({ from: recordUrls.achievement(props.baseUrl, prerequisite), to: recordUrls.achievement(props.baseUrl, achievement.id) });
    }
  }
  return {
    courseId: course.id,
    id: recordUrls.course(props.baseUrl, course.id),
    name: course.title,
    description: course.label ? `${course.title} (${course.label})` : undefined,
    assessments: assignments.map((a) => ({ id: recordUrls.assessment(props.baseUrl, course.id, a.id), name: a.name })),
    precedes,
  };
}

function prerequisitesOf(rule: unknown): string[] {
  if (rule === null || rule === undefined) return [];
  try {
    return referencedAchievementIds(parseRuleNode(typeof rule === 'string' ? JSON.parse(rule) : rule));
  } catch {
    // A rule badges stored is valid; a legacy one that no longer parses only loses its stacking link.
    return [];
  }
}

export async function loadLearner<T>(handle: Kysely<T>, learnerId: string): Promise<LearnerRecord | undefined> {
  const row = await transcriptsDb(handle)
    .selectFrom('learners')
    .leftJoin('platforms', 'platforms.id', 'learners.platform_id')
    .select(['learners.id', 'learners.email', 'learners.name', 'learners.lti_user_id', 'platforms.issuer'])
    .where('learners.id', '=', learnerId)
    .executeTakeFirst();
  return row && { id: row.id, email: row.email, name: row.name, ltiUserId: row.lti_user_id, platformIssuer: row.issuer };
}

/**
 * One page of a course's learners (enrolled, or holding an award there), in id order after `after`:
 * keyset pagination, so an export reads a course of any size in bounded batches. Each source is cut
 * to the page before the union (through its (course_id, learner_id) index), so a page costs the same
 * at the start and at the end of a course of any size.
 */
export async function learnerPage<T>(handle: Kysely<T>, props: { courseId: string; after: string | null; limit: number }): Promise<LearnerRecord[]> {
  const db = transcriptsDb(handle);
  let enrolled = db.selectFrom('enrollments').select('learner_id').where('course_id', '=', props.courseId).where('status', '<>', 'deleted');
  let awarded = db.selectFrom('awards').select('learner_id').where('course_id', '=', props.courseId);
  if (props.after) {
    enrolled = enrolled.where('learner_id', '>', props.after);
    awarded = awarded.where('learner_id', '>', props.after);
  }
  const page = await db
    .selectFrom(enrolled.orderBy('learner_id').limit(props.limit).as('e'))
    .select('e.learner_id')
    .union(db.selectFrom(awarded.orderBy('learner_id').limit(props.limit).as('a')).select('a.learner_id'))
    .orderBy('learner_id')
    .limit(props.limit)
    .execute();
  if (page.length === 0) return [];
  // Then the page's learners by primary key: index lookups, never a scan of the installation's learners.
  const rows = await db
    .selectFrom('learners')
    .leftJoin('platforms', 'platforms.id', 'learners.platform_id')
    .select(['learners.id', 'learners.email', 'learners.name', 'learners.lti_user_id', 'platforms.issuer'])
    .where('learners.id', 'in', page.map((p) => p.learner_id))
    .orderBy('learners.id')
    .execute();
  return rows.map((row) => ({ id: row.id, email: row.email, name: row.name, ltiUserId: row.lti_user_id, platformIssuer: row.issuer }));
}

export async function countCourseLearners<T>(handle: Kysely<T>, courseId: string): Promise<number> {
  const db = transcriptsDb(handle);
  const ids = db
    .selectFrom('enrollments')
    .select('learner_id')
    .where('course_id', '=', courseId)
    .where('status', '<>', 'deleted')
    .union(db.selectFrom('awards').select('learner_id').where('course_id', '=', courseId));
  const row = await db.selectFrom(ids.as('l')).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

interface BadgeQuery {
  baseUrl: string;
  learnerIds: string[];
  courseId?: string;
  issuerId?: string;
  now: Date;
}

/** A badge as stored: its signed credential still JSON text, so an export can hand it to a signing thread unparsed. */
export type StoredBadge = Omit<BadgeRecord, 'credential'> & { credentialJson: string | null };

/**
 * The awards of some learners with their signed credentials, oldest first: in one course, or across
 * every course where the credential was signed by `issuerId`. Status is the effective one at `now`
 * (an `issued` award past its `expires_at` is `expired`).
 */
export async function loadBadges<T>(handle: Kysely<T>, props: BadgeQuery): Promise<BadgeRecord[]> {
  return (await loadStoredBadges(handle, props)).map(parseStoredBadge);
}

/** `loadBadges` with each credential left as the JSON text PostgreSQL sent (never parsed on this thread). */
export async function loadStoredBadges<T>(handle: Kysely<T>, props: BadgeQuery): Promise<StoredBadge[]> {
  if (props.learnerIds.length === 0) return [];
  let query = transcriptsDb(handle)
    .selectFrom('awards')
    .innerJoin('achievements', 'achievements.id', 'awards.achievement_id')
    .leftJoin('credentials', 'credentials.award_id', 'awards.id')
    .select([
      'awards.id as awardId', 'awards.learner_id', 'awards.course_id', 'awards.status', 'awards.expires_at', 'awards.score', 'awards.awarded_at',
      'achievements.id as achievementId', 'achievements.name', 'achievements.description', 'achievements.criteria_narrative',
      'credentials.issuer_id',
      sql<string | null>`credentials.document::text`.as('document'),
      sql<string | null>`case when jsonb_typeof(credentials.document -> 'id') = 'string' then credentials.document ->> 'id' end`.as('credential_url'),
    ])
    .where('awards.learner_id', 'in', props.learnerIds)
    .orderBy('awards.learner_id')
    .orderBy('awards.awarded_at')
    .orderBy('awards.id');
  if (props.courseId) query = query.where('awards.course_id', '=', props.courseId);
  if (props.issuerId) query = query.where('credentials.issuer_id', '=', props.issuerId);
  const rows = await query.execute();
  return rows.map((row) => ({
    awardId: row.awardId,
    learnerId: row.learner_id,
    courseId: row.course_id,
    issuerId: row.issuer_id,
    credentialJson: row.document,
    credentialUrl: row.credential_url,
    achievementId: recordUrls.achievement(props.baseUrl, row.achievementId),
    name: row.name,
    description: row.description,
    criteriaNarrative: row.criteria_narrative,
    courseAchievementId: recordUrls.course(props.baseUrl, row.course_id),
    status: effectiveStatus({ status: row.status, expires_at: row.expires_at }, props.now),
    score: row.score,
    awardedAt: row.awarded_at,
  }));
}

export function parseStoredBadge(stored: StoredBadge): BadgeRecord {
  const { credentialJson, ...badge } = stored;
  return { ...badge, credential: credentialJson === null ? {} : (JSON.parse(credentialJson) as Record<string, unknown>) };
}

/** Only awards whose credential is signed can be embedded; the others are still being issued. */
export function isSigned(badge: Pick<BadgeRecord, 'credentialUrl'>): boolean {
  return badge.credentialUrl !== null;
}
