import { sql, type Kysely } from 'kysely';
import type { FoundationTables } from '../db';
import { decodeCursor, pageOf } from '../db';
import { LaurelError } from '../errors';
import type { Selectable } from 'kysely';
import type { CourseTables } from './tables';

type Course = Selectable<CourseTables['courses']>;
type Learner = Selectable<CourseTables['learners']>;
type Assignment = Selectable<CourseTables['assignments']>;
const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/**
 * The course directory as API callers see it: courses, their assignments and learners, always
 * filtered by the caller's tenant reach. An object outside that reach is answered as absent (404),
 * never as forbidden, so ids of other tenants cannot be probed.
 */

/** The tenant reach of a caller: one platform, or the whole instance when `platformId` is absent. */
export interface TenantScope {
  platformId?: string;
}

type Db = Kysely<FoundationTables>;
// A mapped copy of the interface: withTables needs a type with an implicit index signature.
const on = (db: Db) => db.withTables<{ [K in keyof CourseTables]: CourseTables[K] }>();

/** True when a course or learner row is within the scope (rows outside any LMS belong to the instance). */
export function withinScope(row: { platform_id: string | null }, scope: TenantScope): boolean {
  return scope.platformId === undefined || row.platform_id === scope.platformId;
}

/** The course, if it exists within the scope; otherwise ERR_NOT_FOUND. */
export async function findCourseInScope(db: Db, props: { courseId: string; scope: TenantScope }): Promise<Course> {
  const course = isUuid(props.courseId) ? await on(db).selectFrom('courses').selectAll().where('id', '=', props.courseId).executeTakeFirst() : undefined;
  // Absent and outside the scope answer alike, without echoing the id (ids of other tenants never confirmed).
  if (!course || !withinScope(course, props.scope)) throw new LaurelError('ERR_NOT_FOUND', 'No course has this id.');
  return course;
}

/** Ids of the courses a scope reaches, or undefined for "every course" (an instance-wide caller). */
export async function courseIdsInScope(db: Db, scope: TenantScope): Promise<string[] | undefined> {
  if (scope.platformId === undefined) return undefined;
  const rows = await on(db).selectFrom('courses').select('id').where('platform_id', '=', scope.platformId).execute();
  return rows.map((r) => r.id);
}

export interface CourseListFilter {
  scope: TenantScope;
  /** Courses of one LMS platform (within the scope). */
  platformId?: string;
  /** Part of the title, label or context/external id, case-insensitive. */
  q?: string;
  limit: number;
  cursor?: string;
}

/** A page of courses, oldest first. */
export async function listCoursesPage(db: Db, filter: CourseListFilter): Promise<{ items: Course[]; nextCursor: string | null }> {
  let query = on(db).selectFrom('courses').selectAll().select(sql<string>`created_at::text`.as('page_at'));
  if (filter.scope.platformId !== undefined) query = query.where('platform_id', '=', filter.scope.platformId);
  if (filter.platformId) query = query.where('platform_id', '=', filter.platformId);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) => eb.or(['title', 'label', 'context_id', 'external_id', 'lms_course_id'].map((c) => eb(c as 'title', 'ilike', like))));
  }
  if (filter.cursor) {
    const key = decodeCursor(filter.cursor);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(sql<Date>`${key.at}::timestamptz`, key.id)));
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(filter.limit + 1).execute();
  const page = pageOf(rows, filter.limit);
  return { items: page.rows.map(({ page_at: _p, ...course }) => course), nextCursor: page.nextCursor };
}

/** The assignments of a course within the scope (what a score rule's `assignmentId` names). */
export async function courseAssignments(db: Db, props: { courseId: string; scope: TenantScope }): Promise<Assignment[]> {
  const course = await findCourseInScope(db, props);
  return on(db).selectFrom('assignments').selectAll().where('course_id', '=', course.id).where('deleted_at', 'is', null).orderBy('name').orderBy('id').execute();
}

export interface LearnerListFilter {
  scope: TenantScope;
  /** Learners enrolled in (or holding scores of) one course. */
  courseId?: string;
  /** Exact email, case-insensitive. */
  email?: string;
  limit: number;
  cursor?: string;
}

/** A page of learners, oldest first. */
export async function listLearnersPage(db: Db, filter: LearnerListFilter): Promise<{ items: Learner[]; nextCursor: string | null }> {
  let query = on(db).selectFrom('learners').selectAll().select(sql<string>`learners.created_at::text`.as('page_at'));
  if (filter.scope.platformId !== undefined) query = query.where('platform_id', '=', filter.scope.platformId);
  if (filter.courseId) {
    const course = await findCourseInScope(db, { courseId: filter.courseId, scope: filter.scope });
    query = query.where('id', 'in', on(db).selectFrom('enrollments').select('learner_id').where('course_id', '=', course.id));
  }
  if (filter.email) query = query.where(sql`lower(email)`, '=', filter.email.toLowerCase());
  if (filter.cursor) {
    const key = decodeCursor(filter.cursor);
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(sql<Date>`${key.at}::timestamptz`, key.id)));
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(filter.limit + 1).execute();
  const page = pageOf(rows, filter.limit);
  return { items: page.rows.map(({ page_at: _p, ...learner }) => learner), nextCursor: page.nextCursor };
}

/** The learner, if it exists within the scope; otherwise ERR_NOT_FOUND. */
export async function findLearnerInScope(db: Db, props: { learnerId: string; scope: TenantScope }): Promise<Learner & { courseIds: string[] }> {
  const learner = isUuid(props.learnerId) ? await on(db).selectFrom('learners').selectAll().where('id', '=', props.learnerId).executeTakeFirst() : undefined;
  if (!learner || !withinScope(learner, props.scope)) throw new LaurelError('ERR_NOT_FOUND', 'No learner has this id.');
  const enrolments = await on(db).selectFrom('enrollments').select('course_id').where('learner_id', '=', learner.id).where('status', '=', 'active').orderBy('course_id').execute();
  return { ...learner, courseIds: enrolments.map((e) => e.course_id) };
}

/** Names and emails of learners by id (for lists other modules build, e.g. awards). */
export async function learnerSummaries(db: Db, ids: readonly string[]): Promise<Map<string, { id: string; email: string | null; name: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await on(db).selectFrom('learners').select(['id', 'email', 'name']).where('id', 'in', [...new Set(ids)]).execute();
  return new Map(rows.map((r) => [r.id, r]));
}
