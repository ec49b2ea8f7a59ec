import { sql } from 'kysely';
import type { AnyDb } from '../db';

/**
 * What other modules may know of courses and learners when they tell a learner about a badge (reach's
 * email, gradebook column, Moodle plugin and "My badges"): batches by id, and the questions a platform's
 * own ids ask, each bounded by its platform and answered in one query.
 */

export interface CourseFacts {
  id: string;
  /** null: a course outside any LMS (instance-wide). */
  platformId: string | null;
  title: string;
  contextId: string | null;
  lmsCourseId: string | null;
  /** The AGS line items service of the course's last launch. */
  agsLineItemsUrl: string | null;
  /** The AGS scopes the course's last launch granted (empty when none did). */
  agsScopes: string[];
}

export interface LearnerFacts {
  id: string;
  /** null: a learner outside any LMS (manual awards, API events). */
  platformId: string | null;
  ltiUserId: string | null;
  lmsUserId: string | null;
  email: string | null;
  name: string | null;
}

const learnerOf = (r: { id: string; platform_id: string | null; lti_user_id: string | null; lms_user_id: string | null; email: string | null; name: string | null }): LearnerFacts => ({
  id: r.id,
  platformId: r.platform_id,
  ltiUserId: r.lti_user_id,
  lmsUserId: r.lms_user_id,
  email: r.email,
  name: r.name,
});

/** The courses with these ids, by id; ids that name no course are absent. */
export async function courseFacts(db: AnyDb, courseIds: readonly string[]): Promise<Map<string, CourseFacts>> {
  if (courseIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; platform_id: string | null; title: string; context_id: string | null; lms_course_id: string | null; ags_lineitems_url: string | null; ags_scopes: string[] | null }>`
    select id, platform_id, title, context_id, lms_course_id, ags_lineitems_url, ags_scopes
    from courses where id = any(${[...new Set(courseIds)]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, {
    id: r.id,
    platformId: r.platform_id,
    title: r.title,
    contextId: r.context_id,
    lmsCourseId: r.lms_course_id,
    agsLineItemsUrl: r.ags_lineitems_url,
    agsScopes: r.ags_scopes ?? [],
  }]));
}

/** The learners with these ids, by id; ids that name no learner are absent. */
export async function learnerFacts(db: AnyDb, learnerIds: readonly string[]): Promise<Map<string, LearnerFacts>> {
  if (learnerIds.length === 0) return new Map();
  const { rows } = await sql<Parameters<typeof learnerOf>[0]>`
    select id, platform_id, lti_user_id, lms_user_id, email, name
    from learners where id = any(${[...new Set(learnerIds)]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, learnerOf(r)]));
}

/**
 * The learner records of one platform that a platform user id names: those carrying it as their LMS
 * user id, or, lacking one, as their LTI user id (Moodle uses one number for both).
 */
export async function learnersOfPlatformUser(db: AnyDb, props: { platformId: string; userId: string }): Promise<LearnerFacts[]> {
  const { rows } = await sql<Parameters<typeof learnerOf>[0]>`
    select id, platform_id, lti_user_id, lms_user_id, email, name
    from learners
    where platform_id = ${props.platformId} and (lms_user_id = ${props.userId} or (lms_user_id is null and lti_user_id = ${props.userId}))`.execute(db);
  return rows.map(learnerOf);
}

/**
 * One person on one platform: the learner (when it belongs to the platform) and every other learner
 * record of that platform carrying the same LMS user id (Canvas events may have created one before the
 * person launched Laurel). Empty when the learner is not the platform's.
 */
export async function learnerIdsOfPerson(db: AnyDb, props: { platformId: string; learnerId: string }): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    with me as (select id, lms_user_id from learners where id = ${props.learnerId} and platform_id = ${props.platformId})
    select id from me
    union select l.id from learners l, me where l.platform_id = ${props.platformId} and me.lms_user_id is not null and l.lms_user_id = me.lms_user_id`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * The courses of one platform that an LMS course id names: as the LMS's own course id, or as the LTI
 * context id (Moodle uses the course id for both).
 */
export async function platformCourseIds(db: AnyDb, props: { platformId: string; lmsCourseId: string }): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select id from courses
    where platform_id = ${props.platformId} and (lms_course_id = ${props.lmsCourseId} or context_id = ${props.lmsCourseId})`.execute(db);
  return rows.map((r) => r.id);
}

/**
 * The learner as the platform itself sent them to this course: their LTI user id, when the learner
 * belongs to the platform and is enrolled, active, with a Learner role by a launch or the platform's
 * roster (not by an API call or an event Laurel received). Undefined otherwise.
 */
export async function platformSentLearner(db: AnyDb, props: { platformId: string; courseId: string; learnerId: string }): Promise<{ ltiUserId: string } | undefined> {
  const row = (await sql<{ lti_user_id: string }>`
    select l.lti_user_id from learners l join enrollments e on e.learner_id = l.id and e.course_id = ${props.courseId}
    where l.id = ${props.learnerId} and l.platform_id = ${props.platformId} and l.lti_user_id is not null
      and e.status = 'active' and e.source in ('launch', 'roster')
      and exists (select 1 from unnest(e.roles) r where r ~* '(^|[#/])Learner$')`.execute(db)).rows[0];
  return row ? { ltiUserId: row.lti_user_id } : undefined;
}
