import { sql, type Kysely, type Transaction } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { CourseTables } from './tables';

/**
 * What LTI launches and Names and Roles tell Laurel about a course and its people, and whether a
 * session's standing still holds. lti calls these; only this module touches `courses`, `learners`
 * and `enrollments`. Every query names the platform or course it is scoped to.
 */

const on = (db: AnyDb): Kysely<CourseTables> => asTables<CourseTables>(db);
/** The caller's transaction, whatever tables it typed its handle with (statements that must commit together). */
type AnyTransaction = Transaction<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One member of a Names and Roles page, as the roster stores it. */
export interface RosterPageMember {
  ltiUserId: string;
  email: string | null;
  name: string | null;
  roles: string[];
  status: 'active' | 'inactive' | 'deleted';
}

/**
 * Stores one roster page of a course of a platform: the learners (names and emails the platform
 * withholds never erase known ones), then their enrolments. Two statements, so it takes the caller's
 * transaction: a page is stored whole or not at all. Members must be unique by LTI user id.
 */
export async function storeRosterPage(
  trx: AnyTransaction,
  props: { platformId: string; courseId: string; members: readonly RosterPageMember[] },
): Promise<void> {
  if (props.members.length === 0) return;
  const db = on(trx);
  const learners = await db
    .insertInto('learners')
    .values(props.members.map((m) => ({ platform_id: props.platformId, lti_user_id: m.ltiUserId, email: m.email, name: m.name })))
    .onConflict((oc) =>
      oc.columns(['platform_id', 'lti_user_id']).doUpdateSet((eb) => ({
        email: eb.fn.coalesce('excluded.email', 'learners.email'),
        name: eb.fn.coalesce('excluded.name', 'learners.name'),
        updated_at: sql`now()`,
      })),
    )
    .returning(['id', 'lti_user_id'])
    .execute();
  const idOf = new Map(learners.map((l) => [l.lti_user_id, l.id]));
  await db
    .insertInto('enrollments')
    .values(props.members.map((m) => ({ course_id: props.courseId, learner_id: idOf.get(m.ltiUserId)!, roles: m.roles, status: m.status, source: 'roster' as const })))
    .onConflict((oc) =>
      oc.columns(['course_id', 'learner_id']).doUpdateSet((eb) => ({ roles: eb.ref('excluded.roles'), status: eb.ref('excluded.status'), updated_at: sql`now()` })),
    )
    .execute();
}

/** Notes that a course's roster was synced just now (shown on the course's LMS section). */
export async function markRosterSynced(db: AnyDb, courseId: string): Promise<void> {
  await on(db).updateTable('courses').set({ roster_synced_at: sql`now()` }).where('id', '=', courseId).execute();
}

/** Courses whose roster Laurel can sync: a Names and Roles service on an active platform. */
export async function coursesWithRoster(db: AnyDb): Promise<string[]> {
  const rows = await on(db)
    .selectFrom('courses')
    .innerJoin('platforms', 'platforms.id', 'courses.platform_id')
    .select('courses.id')
    .where('courses.nrps_url', 'is not', null)
    .where('platforms.status', '=', 'active')
    .execute();
  return rows.map((r) => r.id);
}

/** The AGS scopes a course's platform granted in its last launch (gradebook feedback posts only with them). */
export async function recordAgsScopes(db: AnyDb, props: { courseId: string; scopes: readonly string[] }): Promise<void> {
  // A column of reach's feature (migration 660), not in CourseTables.
  await sql`update courses set ags_scopes = ${[...props.scopes]}::text[] where id = ${props.courseId}`.execute(db);
}

/**
 * Whether a course session still stands: the course belongs to the platform, the platform is active and
 * the person's enrolment in the course is active. Read on every request, so disabling a platform or a
 * roster sync that drops someone takes effect at once.
 */
export async function hasActiveEnrollment(db: AnyDb, props: { platformId: string; courseId: string; learnerId: string }): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select (p.status = 'active' and e.status = 'active') as ok
    from courses c
    join platforms p on p.id = c.platform_id
    join enrollments e on e.course_id = c.id and e.learner_id = ${props.learnerId}
    where c.id = ${props.courseId} and p.id = ${props.platformId}`.execute(db);
  return rows[0]?.ok === true;
}

/** Whether the learner is a person of the platform and that platform is active (a person session's standing). */
export async function isActivePlatformLearner(db: AnyDb, props: { platformId: string; learnerId: string }): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    select true as ok from learners l join platforms p on p.id = l.platform_id
    where l.id = ${props.learnerId} and p.id = ${props.platformId} and p.status = 'active'`.execute(db);
  return rows[0]?.ok === true;
}

/** The LTI user id (the launch's `sub`) of a learner of the platform, or undefined. */
export async function ltiUserIdOf(db: AnyDb, props: { platformId: string; learnerId: string }): Promise<string | undefined> {
  const { rows } = await sql<{ lti_user_id: string | null }>`
    select lti_user_id from learners where id = ${props.learnerId} and platform_id = ${props.platformId}`.execute(db);
  return rows[0]?.lti_user_id ?? undefined;
}
