import { sql } from 'kysely';
import type { AnyDb } from '../db';
import { badgesDb } from './deps';

/**
 * What src/analytics reads of badges' tables (awards, credentials, achievements) to build a course's
 * report and to attribute the counters it records. Every read is scoped by course or by the ids given.
 */

/** Signed credentials per achievement of the course and UTC issue day (`day` null before `from`: all-time only). */
export async function issuedCredentialCounts(db: AnyDb, props: { courseId: string; from: string; achievementId?: string | undefined }): Promise<Array<{ achievement_id: string; day: string | null; count: number }>> {
  const onlyAchievement = props.achievementId ? sql`and a.achievement_id = ${props.achievementId}` : sql``;
  const { rows } = await sql<{ achievement_id: string; day: string | null; count: string }>`
    select a.achievement_id, case when (c.issued_at at time zone 'UTC')::date >= ${props.from}::date then to_char(c.issued_at at time zone 'UTC', 'YYYY-MM-DD') end as day, count(*)::text as count
    from awards a join credentials c on c.award_id = a.id
    where a.course_id = ${props.courseId} ${onlyAchievement}
    group by 1, 2`.execute(db);
  return rows.map((r) => ({ achievement_id: r.achievement_id, day: r.day, count: Number(r.count) }));
}

/** The status lists holding at least one credential of the course (or of one of its achievements). */
export async function statusListsOfCourse(db: AnyDb, props: { courseId: string; achievementId?: string | undefined }): Promise<string[]> {
  let query = badgesDb(db)
    .selectFrom('awards as a')
    .innerJoin('credentials as c', 'c.award_id', 'a.id')
    .select('c.status_list_id')
    .distinct()
    .where('a.course_id', '=', props.courseId)
    .where('c.status_list_id', 'is not', null);
  if (props.achievementId) query = query.where('a.achievement_id', '=', props.achievementId);
  return (await query.execute()).map((r) => r.status_list_id!);
}

/** The id and name of every achievement of the course, oldest first; undefined when no course has this id. */
export async function courseAchievementNames(db: AnyDb, courseId: string): Promise<Array<{ id: string; name: string }> | undefined> {
  // A left join: an existing course without badges still answers one row (with a null id).
  const { rows } = await sql<{ id: string | null; name: string | null }>`
    select a.id, a.name from courses c left join achievements a on a.course_id = c.id
    where c.id = ${courseId} order by a.created_at, a.id`.execute(db);
  if (rows.length === 0) return undefined;
  return rows.flatMap((r) => (r.id === null ? [] : [{ id: r.id, name: r.name ?? '' }]));
}

/**
 * The course of each achievement that still exists, by id. Ids are cast as uuid, so a malformed one
 * fails the read with a data error (SQLSTATE 22P02) as any uuid column would.
 */
export async function achievementCourses(db: AnyDb, achievementIds: readonly string[]): Promise<Map<string, string>> {
  if (achievementIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; course_id: string }>`
    select id, course_id from achievements where id = any(${[...new Set(achievementIds)]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, r.course_id]));
}

/**
 * The course and achievement of each stored credential, by credential id (absent: not one of ours, or
 * gone). Ids are cast as uuid: a malformed one fails the read with a data error (SQLSTATE 22P02).
 */
export async function credentialAwardRefs(db: AnyDb, credentialIds: readonly string[]): Promise<Map<string, { course_id: string; achievement_id: string }>> {
  if (credentialIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; course_id: string; achievement_id: string }>`
    select c.id, a.course_id, a.achievement_id
    from credentials c join awards a on a.id = c.award_id
    where c.id = any(${[...new Set(credentialIds)]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, { course_id: r.course_id, achievement_id: r.achievement_id }]));
}
