import { sql, type Kysely } from 'kysely';
import { normalisedEventSchema, type NormalisedEvent } from './model';
import type { EventsDb } from './tables';
import { getEvent } from './inbox';
import { asTables } from '../db';
import { upsertScores } from './score-upsert';
import { ensureObservedAssignment, saveObservedAssignment } from '../courses';

/**
 * Applies one inbox event to the course state: assignment events create, rename or delete the
 * assignment; score events update `learner_scores` through `upsertScores` (the newest `occurredAt` wins). Idempotent:
 * a redelivered job finds the event processed, or re-applies it without effect.
 */

export type ApplyOutcome =
  | { kind: 'score'; courseId: string; learnerId: string; assignmentId: string; changed: boolean }
  | { kind: 'assignment'; courseId: string; assignmentId: string }
  | { kind: 'skipped'; reason: 'unknown' | 'parked' | 'failed' }
  | { kind: 'poison'; error: string };

const on = <T>(db: Kysely<T>): Kysely<EventsDb> => asTables<EventsDb>(db);

export async function applyEvent<T>(dbAny: Kysely<T>, props: { eventId: string }): Promise<ApplyOutcome> {
  const db = on(dbAny);
  const row = await getEvent(db, props.eventId);
  if (!row) return { kind: 'skipped', reason: 'unknown' };
  if (row.status === 'parked' || row.status === 'failed') return { kind: 'skipped', reason: row.status };
  if (!row.course_id) return { kind: 'skipped', reason: 'parked' };
  // The payload was valid when stored; one that no longer parses (a manual edit, a bad migration) can
  // never be applied: report it as poison instead of retrying it forever.
  const parsed = normalisedEventSchema.safeParse(row.payload);
  if (!parsed.success) return { kind: 'poison', error: `stored payload is not a valid event: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const event: NormalisedEvent = parsed.data;
  const courseId = row.course_id;
  return db.transaction().execute(async (trx) => {
    if (event.type === 'assignment') {
      const assignmentId = await saveAssignment(trx, courseId, event);
      await markProcessed(trx, row.id);
      return { kind: 'assignment' as const, courseId, assignmentId };
    }
    if (!row.learner_id) return { kind: 'skipped' as const, reason: 'parked' as const };
    const assignment = await ensureAssignment(trx, courseId, event);
    // Submission events carry no maximum: fall back to the assignment's points possible.
    const maximum = event.scoreMaximum ?? (assignment.points_possible === null ? null : Number(assignment.points_possible));
    const changed = await upsertScores(trx, [{
      courseId, learnerId: row.learner_id, assignmentId: assignment.id, scoreGiven: event.scoreGiven, scoreMaximum: maximum,
      excused: event.excused, missing: event.missing, occurredAt: event.occurredAt, eventId: row.id,
    }]);
    await markProcessed(trx, row.id);
    return { kind: 'score' as const, courseId, learnerId: row.learner_id, assignmentId: assignment.id, changed: changed > 0 };
  });
}

async function markProcessed(db: Kysely<EventsDb>, id: string): Promise<void> {
  await db
    .updateTable('score_events')
    .set((eb) => ({ status: 'processed', processed_at: sql`now()`, attempts: eb('attempts', '+', 1), error: null }))
    .where('id', '=', id)
    .execute();
}

/** Records a permanent failure (poison event) so the relay stops retrying it. */
export async function markFailed<T>(db: Kysely<T>, props: { eventId: string; error: string }): Promise<void> {
  await on(db)
    .updateTable('score_events')
    .set((eb) => ({ status: 'failed', attempts: eb('attempts', '+', 1), error: props.error.slice(0, 1000) }))
    .where('id', '=', props.eventId)
    .execute();
}

/**
 * A score for an assignment Laurel has not seen yet creates it (courses owns the table and the
 * read-first upsert); an existing name is never replaced by an id.
 */
export function ensureAssignment(db: Kysely<EventsDb>, courseId: string, event: NormalisedEvent) {
  const a = event.assignment;
  return ensureObservedAssignment(db, { courseId, sourceKey: a.sourceKey, name: a.name, fallbackName: a.externalId, pointsPossible: a.pointsPossible });
}

function saveAssignment(db: Kysely<EventsDb>, courseId: string, event: NormalisedEvent & { type: 'assignment' }): Promise<string> {
  const a = event.assignment;
  return saveObservedAssignment(db, {
    courseId, sourceKey: a.sourceKey, name: a.name, fallbackName: a.externalId, pointsPossible: a.pointsPossible,
    dueAt: a.dueAt ? new Date(a.dueAt) : null,
    deletedAt: event.action === 'deleted' ? new Date(event.occurredAt) : null,
  });
}
