import { sql, type Kysely, type Selectable } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { CourseTables } from './tables';

export type { CourseTables, Lms } from './tables';
export { withinScope, findCourseInScope, courseIdsInScope, listCoursesPage, courseAssignments, listLearnersPage, findLearnerInScope, learnerSummaries, type TenantScope, type CourseListFilter, type LearnerListFilter } from './directory';
export { listPlatformsWithDeployments, platformsOfIssuer, setPlatformStatus, activatePendingPlatform, disablePlatform, recordPlatformLms, framingPlatforms, platformNames, type PlatformListing, type FramingPlatform } from './registry';
export { storeRosterPage, markRosterSynced, coursesWithRoster, recordAgsScopes, hasActiveEnrollment, isActivePlatformLearner, ltiUserIdOf, type RosterPageMember } from './roster';
export { courseFacts, learnerFacts, learnersOfPlatformUser, learnerIdsOfPerson, platformCourseIds, platformSentLearner, type CourseFacts, type LearnerFacts } from './facts';
export type Platform = Selectable<CourseTables['platforms']>;
export type Course = Selectable<CourseTables['courses']>;
export type Learner = Selectable<CourseTables['learners']>;
export type Assignment = Selectable<CourseTables['assignments']>;

/** Any Kysely handle (pool or transaction) that can see the course tables. */
type CourseDb = Kysely<CourseTables>;
const on = (db: AnyDb): CourseDb => asTables<CourseTables>(db);

export interface PlatformProps {
  issuer: string;
  clientId: string;
  name: string;
  lms?: 'canvas' | 'moodle' | 'other';
  authEndpoint: string;
  tokenEndpoint: string;
  jwksUrl: string;
  status?: 'pending' | 'active' | 'disabled';
  registration?: Record<string, unknown>;
}

export async function upsertPlatform<T>(db: Kysely<T>, props: PlatformProps): Promise<Platform> {
  const values = {
    issuer: props.issuer,
    client_id: props.clientId,
    name: props.name,
    lms: props.lms ?? 'other',
    auth_endpoint: props.authEndpoint,
    token_endpoint: props.tokenEndpoint,
    jwks_url: props.jwksUrl,
    status: props.status ?? 'active',
    registration: JSON.stringify(props.registration ?? {}),
  };
  const { issuer: _i, client_id: _c, ...updates } = values;
  return on(db)
    .insertInto('platforms')
    .values(values)
    .onConflict((oc) => oc.columns(['issuer', 'client_id']).doUpdateSet({ ...updates, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findPlatform<T>(db: Kysely<T>, by: { issuer: string; clientId: string }): Promise<Platform | undefined> {
  return on(db)
    .selectFrom('platforms')
    .selectAll()
    .where('issuer', '=', by.issuer)
    .where('client_id', '=', by.clientId)
    .executeTakeFirst();
}

export function getPlatform(db: AnyDb, id: string): Promise<Platform | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return on(db).selectFrom('platforms').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The platform (tenant) a course or learner belongs to (null: instance-wide), or undefined when none has this id. */
export async function platformOf(db: AnyDb, ref: { course: string } | { learner: string }): Promise<string | null | undefined> {
  const id = 'course' in ref ? ref.course : ref.learner;
  if (!isUuid(id)) return undefined;
  const row = 'course' in ref
    ? await on(db).selectFrom('courses').select('platform_id').where('id', '=', id).executeTakeFirst()
    : await on(db).selectFrom('learners').select('platform_id').where('id', '=', id).executeTakeFirst();
  return row ? row.platform_id : undefined;
}

export interface RosterMember {
  id: string;
  name: string | null;
  email: string | null;
  roles: string[];
  status: 'active' | 'inactive' | 'deleted';
}

/** A course's members by name (unnamed last), all or only the active ones, at most `limit`. */
export function courseRoster(db: AnyDb, props: { courseId: string; activeOnly?: boolean; limit?: number }): Promise<RosterMember[]> {
  let query = on(db)
    .selectFrom('enrollments as e')
    .innerJoin('learners as l', 'l.id', 'e.learner_id')
    .select(['l.id', 'l.name', 'l.email', 'e.roles', 'e.status'])
    .where('e.course_id', '=', props.courseId)
    .orderBy(sql`l.name nulls last`)
    .orderBy('l.id');
  if (props.activeOnly) query = query.where('e.status', '=', 'active');
  if (props.limit !== undefined) query = query.limit(props.limit);
  return query.execute();
}

/** How many learners a course has enrolled and active. */
export async function activeEnrollmentCount(db: AnyDb, courseId: string): Promise<number> {
  const row = await on(db).selectFrom('enrollments').select((eb) => eb.fn.countAll<string>().as('n')).where('course_id', '=', courseId).where('status', '=', 'active').executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Courses whose results Laurel can poll: an AGS line items service on an active platform. */
export async function coursesWithLineItems(db: AnyDb): Promise<string[]> {
  const rows = await on(db)
    .selectFrom('courses')
    .innerJoin('platforms', 'platforms.id', 'courses.platform_id')
    .select('courses.id')
    .where('courses.ags_lineitems_url', 'is not', null)
    .where('platforms.status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

/** Records a deployment of a platform; returns its row id. Idempotent. */
export async function upsertDeployment<T>(db: Kysely<T>, props: { platformId: string; deploymentId: string }): Promise<string> {
  const row = await on(db)
    .insertInto('deployments')
    .values({ platform_id: props.platformId, deployment_id: props.deploymentId })
    .onConflict((oc) => oc.columns(['platform_id', 'deployment_id']).doUpdateSet({ deployment_id: props.deploymentId }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function findDeployment<T>(db: Kysely<T>, props: { platformId: string; deploymentId: string }): Promise<string | undefined> {
  const row = await on(db)
    .selectFrom('deployments')
    .select('id')
    .where('platform_id', '=', props.platformId)
    .where('deployment_id', '=', props.deploymentId)
    .executeTakeFirst();
  return row?.id;
}

export interface LtiCourseProps {
  platformId: string;
  deploymentRowId: string | null;
  contextId: string;
  title: string;
  label?: string | null;
  lmsCourseId?: string | null;
  agsLineitemsUrl?: string | null;
  nrpsUrl?: string | null;
}

/** Creates or refreshes the course of an LTI context; service URLs are kept when a launch omits them. */
export async function upsertLtiCourse<T>(db: Kysely<T>, props: LtiCourseProps): Promise<Course> {
  return on(db)
    .insertInto('courses')
    .values({
      platform_id: props.platformId,
      deployment_id: props.deploymentRowId,
      context_id: props.contextId,
      title: props.title,
      label: props.label ?? null,
      lms_course_id: props.lmsCourseId ?? null,
      ags_lineitems_url: props.agsLineitemsUrl ?? null,
      nrps_url: props.nrpsUrl ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['platform_id', 'context_id']).doUpdateSet((eb) => ({
        title: eb.ref('excluded.title'),
        label: eb.fn.coalesce('excluded.label', 'courses.label'),
        deployment_id: eb.fn.coalesce('excluded.deployment_id', 'courses.deployment_id'),
        lms_course_id: eb.fn.coalesce('excluded.lms_course_id', 'courses.lms_course_id'),
        ags_lineitems_url: eb.fn.coalesce('excluded.ags_lineitems_url', 'courses.ags_lineitems_url'),
        nrps_url: eb.fn.coalesce('excluded.nrps_url', 'courses.nrps_url'),
        updated_at: sql`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A course outside any LMS, for manual issuing through the API. Idempotent on `externalId`. */
/**
 * A course outside any LMS context. Made with a token bound to a platform, it belongs to that
 * platform (tenancy: the token can reach it, other platforms' tokens cannot); otherwise instance-wide.
 */
export async function createManualCourse<T>(db: Kysely<T>, props: { title: string; externalId?: string | null; platformId?: string | null }): Promise<Course> {
  const platformId = props.platformId ?? null;
  if (props.externalId) {
    const existing = await on(db)
      .selectFrom('courses')
      .selectAll()
      .where('platform_id', platformId === null ? 'is' : '=', platformId)
      .where('context_id', 'is', null)
      .where('external_id', '=', props.externalId)
      .executeTakeFirst();
    if (existing) return existing;
  }
  return on(db)
    .insertInto('courses')
    .values({ title: props.title, external_id: props.externalId ?? null, platform_id: platformId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function findCourse<T>(db: Kysely<T>, id: string): Promise<Course | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return on(db).selectFrom('courses').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface LtiLearnerProps {
  platformId: string;
  ltiUserId: string;
  lmsUserId?: string | null;
  email?: string | null;
  name?: string | null;
}

/** Creates or refreshes a learner of a platform; missing name/email (privacy level) never erase known ones. */
export async function upsertLtiLearner<T>(db: Kysely<T>, props: LtiLearnerProps): Promise<Learner> {
  return on(db)
    .insertInto('learners')
    .values({
      platform_id: props.platformId,
      lti_user_id: props.ltiUserId,
      lms_user_id: props.lmsUserId ?? null,
      email: props.email ?? null,
      name: props.name ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['platform_id', 'lti_user_id']).doUpdateSet((eb) => ({
        lms_user_id: eb.fn.coalesce('excluded.lms_user_id', 'learners.lms_user_id'),
        email: eb.fn.coalesce('excluded.email', 'learners.email'),
        name: eb.fn.coalesce('excluded.name', 'learners.name'),
        updated_at: sql`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** A learner outside any LMS, identified by email (manual awards, API events). */
export async function upsertManualLearner<T>(db: Kysely<T>, props: { email: string; name?: string | null }): Promise<Learner> {
  const email = props.email.trim();
  const existing = await on(db)
    .selectFrom('learners')
    .selectAll()
    .where('platform_id', 'is', null)
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst();
  if (existing) {
    if (props.name && props.name !== existing.name) {
      return on(db).updateTable('learners').set({ name: props.name, updated_at: sql`now()` }).where('id', '=', existing.id).returningAll().executeTakeFirstOrThrow();
    }
    return existing;
  }
  // A concurrent insert of the same email loses on the unique index; read the winner back.
  const inserted = await on(db)
    .insertInto('learners')
    .values({ email, name: props.name ?? null })
    .onConflict((oc) => oc.expression(sql`lower(email)`).where('platform_id', 'is', null).doNothing())
    .returningAll()
    .executeTakeFirst();
  return inserted ?? (await upsertManualLearner(db, props));
}

export function findLearner<T>(db: Kysely<T>, id: string): Promise<Learner | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return on(db).selectFrom('learners').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function enroll<T>(
  db: Kysely<T>,
  props: { courseId: string; learnerId: string; roles?: string[]; status?: 'active' | 'inactive' | 'deleted'; source: 'launch' | 'roster' | 'api' | 'event' },
): Promise<void> {
  await on(db)
    .insertInto('enrollments')
    .values({ course_id: props.courseId, learner_id: props.learnerId, roles: props.roles ?? [], status: props.status ?? 'active', source: props.source })
    .onConflict((oc) =>
      oc.columns(['course_id', 'learner_id']).doUpdateSet((eb) => ({
        roles: props.roles ? eb.ref('excluded.roles') : eb.ref('enrollments.roles'),
        status: eb.ref('excluded.status'),
        updated_at: sql`now()`,
      })),
    )
    .execute();
}

export async function upsertAssignment<T>(
  db: Kysely<T>,
  props: { courseId: string; sourceKey: string; name: string; pointsPossible?: number | null; dueAt?: Date | null; deleted?: boolean },
): Promise<Assignment> {
  return on(db)
    .insertInto('assignments')
    .values({
      course_id: props.courseId,
      source_key: props.sourceKey,
      name: props.name,
      points_possible: props.pointsPossible ?? null,
      due_at: props.dueAt ?? null,
      deleted_at: props.deleted ? new Date() : null,
    })
    .onConflict((oc) =>
      oc.columns(['course_id', 'source_key']).doUpdateSet((eb) => ({
        name: eb.ref('excluded.name'),
        points_possible: eb.fn.coalesce('excluded.points_possible', 'assignments.points_possible'),
        due_at: eb.fn.coalesce('excluded.due_at', 'assignments.due_at'),
        deleted_at: eb.ref('excluded.deleted_at'),
        updated_at: sql`now()`,
      })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listAssignments<T>(db: Kysely<T>, courseId: string): Promise<Assignment[]> {
  return on(db).selectFrom('assignments').selectAll().where('course_id', '=', courseId).where('deleted_at', 'is', null).orderBy('name').execute();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

// Assignments as grade events observe them (the events module's upserts, owned here).
export { ensureObservedAssignment, saveObservedAssignment, type ObservedAssignment } from './observed-assignments';
