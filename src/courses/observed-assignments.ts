import { sql, type Kysely } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { CourseTables } from './tables';

/**
 * Assignments as the grade events observe them (src/events: one event, or a batch): the course module
 * owns the table, events says what it saw. A score names its assignment; an assignment event creates,
 * renames or deletes one. `assignments.source_key` is unique per course, so both are upserts.
 */

const on = (db: AnyDb): Kysely<CourseTables> => asTables<CourseTables>(db);

/** An assignment as an event names it. */
export interface ObservedAssignment {
  courseId: string;
  sourceKey: string;
  /** The LMS's name, when the event carries one: it replaces the stored name. */
  name?: string | null | undefined;
  /** The name a new assignment takes when the event carries none (the LMS's id). */
  fallbackName: string;
  /** Absent or null keeps the stored value. */
  pointsPossible?: number | null | undefined;
}

/**
 * The assignment a score names, created if unseen; a name the event carries replaces the stored one,
 * but a stored name is never replaced by the fallback. Read first: every learner's score names the
 * same assignment, and an upsert would lock its row until commit, queueing all of a quiz's events
 * behind one another. Pass the transaction the score is written in.
 */
export async function ensureObservedAssignment(db: AnyDb, a: ObservedAssignment): Promise<{ id: string; points_possible: string | null }> {
  const existing = await on(db)
    .selectFrom('assignments')
    .select(['id', 'points_possible', 'name'])
    .where('course_id', '=', a.courseId)
    .where('source_key', '=', a.sourceKey)
    .executeTakeFirst();
  const news = (a.name && a.name !== existing?.name) || (a.pointsPossible != null && Number(existing?.points_possible) !== a.pointsPossible);
  if (existing && !news) return existing;
  return on(db)
    .insertInto('assignments')
    .values({ course_id: a.courseId, source_key: a.sourceKey, name: a.name ?? a.fallbackName, points_possible: a.pointsPossible ?? null })
    .onConflict((oc) =>
      oc.columns(['course_id', 'source_key']).doUpdateSet((eb) => ({
        points_possible: eb.fn.coalesce('excluded.points_possible', 'assignments.points_possible'),
        ...(a.name ? { name: eb.ref('excluded.name') } : {}),
      })),
    )
    .returning(['id', 'points_possible'])
    .executeTakeFirstOrThrow();
}

/**
 * An assignment event (created, updated or deleted) applied to the stored assignment: a deletion
 * stamps `deletedAt`, any other event clears it; absent name, points and due date keep the stored ones.
 * Returns the assignment's id.
 */
export async function saveObservedAssignment(db: AnyDb, a: ObservedAssignment & { dueAt: Date | null; deletedAt: Date | null }): Promise<string> {
  const row = await on(db)
    .insertInto('assignments')
    .values({
      course_id: a.courseId,
      source_key: a.sourceKey,
      name: a.name ?? a.fallbackName,
      points_possible: a.pointsPossible ?? null,
      due_at: a.dueAt,
      deleted_at: a.deletedAt,
    })
    .onConflict((oc) =>
      oc.columns(['course_id', 'source_key']).doUpdateSet((eb) => ({
        name: a.name ? eb.ref('excluded.name') : eb.ref('assignments.name'),
        points_possible: eb.fn.coalesce('excluded.points_possible', 'assignments.points_possible'),
        due_at: eb.fn.coalesce('excluded.due_at', 'assignments.due_at'),
        deleted_at: eb.ref('excluded.deleted_at'),
        updated_at: sql`now()`,
      })),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}
