import { sql, type Kysely } from 'kysely';
import { ensureAssignment } from './apply';
import { normalisedEventSchema, type NormalisedEvent } from './model';
import { upsertScores } from './score-upsert';
import type { EventsDb } from './tables';
import { asTables } from '../db';

/**
 * Applies many inbox score events in one transaction: the same newest-wins rule as `applyEvent`, in
 * three statements instead of five per event. Events it does not handle here (assignment events,
 * stored payloads that no longer parse) are returned for the one-event job, which knows how to
 * apply or dead-letter them.
 */

export interface BatchOutcome {
  /** Each learner whose scores this batch applied, once per course. */
  learners: { courseId: string; learnerId: string }[];
  /** Events to hand to the one-event path. */
  individually: string[];
  /** Parked, failed or unknown events: nothing to do now (the sweep and relay own them). */
  skipped: number;
}

interface ScoreRow {
  eventId: string;
  courseId: string;
  learnerId: string;
  event: NormalisedEvent & { type: 'score' };
}

const on = <T>(db: Kysely<T>): Kysely<EventsDb> => asTables<EventsDb>(db);

export async function applyScoreEvents<T>(dbAny: Kysely<T>, props: { eventIds: readonly string[] }): Promise<BatchOutcome> {
  const db = on(dbAny);
  const { rows } = await sql<{ id: string; status: string; course_id: string | null; learner_id: string | null; payload: unknown }>`
    select id, status, course_id, learner_id, payload from score_events where id = any(${[...props.eventIds]}::uuid[])`.execute(db);
  const scores: ScoreRow[] = [];
  const individually: string[] = [];
  let skipped = props.eventIds.length - rows.length;
  for (const row of rows) {
    if (row.status === 'parked' || row.status === 'failed' || !row.course_id) {
      skipped++;
      continue;
    }
    const parsed = normalisedEventSchema.safeParse(row.payload);
    if (!parsed.success || parsed.data.type !== 'score' || !row.learner_id) {
      individually.push(row.id);
      continue;
    }
    scores.push({ eventId: row.id, courseId: row.course_id, learnerId: row.learner_id, event: parsed.data });
  }
  if (scores.length === 0) return { learners: [], individually, skipped };
  // In the order given (the intake's), not the database's: of two scores with one occurredAt the first stays.
  const position = new Map(props.eventIds.map((id, i) => [id, i]));
  scores.sort((a, b) => position.get(a.eventId)! - position.get(b.eventId)!);

  const writes = (assignments: Map<string, { id: string; points_possible: string | null }>) => scores.map((score) => {
    const assignment = assignments.get(assignmentKey(score))!;
    // Submission events carry no maximum: fall back to the assignment's points possible.
    const maximum = score.event.scoreMaximum ?? (assignment.points_possible === null ? null : Number(assignment.points_possible));
    return {
      courseId: score.courseId, learnerId: score.learnerId, assignmentId: assignment.id, scoreGiven: score.event.scoreGiven, scoreMaximum: maximum,
      excused: score.event.excused, missing: score.event.missing, occurredAt: score.event.occurredAt, eventId: score.eventId,
    };
  });
  const eventIds = scores.map((s) => s.eventId);
  // Usually every assignment is known and unchanged: the scores and the events' status are then
  // written by one statement (atomic on its own). A new or renamed assignment takes the transaction.
  const { known, changed } = await readAssignments(db, scores);
  if (changed.length === 0) {
    // One row per event, in arrival order; upsertScores keeps the newest per (learner, assignment).
    await upsertScores(db, writes(known), { markProcessed: eventIds });
  } else {
    await db.transaction().execute(async (trx) => {
      const assignments = await resolveAssignments(trx, scores);
      await upsertScores(trx, writes(assignments), { markProcessed: eventIds });
    });
  }
  const learners = new Map<string, { courseId: string; learnerId: string }>();
  for (const s of scores) learners.set(`${s.courseId}/${s.learnerId}`, { courseId: s.courseId, learnerId: s.learnerId });
  return { learners: [...learners.values()], individually, skipped };
}

function assignmentKey(score: ScoreRow): string {
  return `${score.courseId}\u0000${score.event.assignment.sourceKey}`;
}

/** The assignment of every score, read in one statement; unseen or changed ones (rare) created or updated one by one. */
async function resolveAssignments(trx: Kysely<EventsDb>, scores: ScoreRow[]) {
  const { known, changed } = await readAssignments(trx, scores);
  for (const [key, score] of changed) known.set(key, await ensureAssignment(trx, score.courseId, score.event));
  return known;
}

/** The scores' assignments in one statement: those found as the events name them, and those to create or update. */
async function readAssignments(db: Kysely<EventsDb>, scores: ScoreRow[]) {
  const wanted = new Map<string, ScoreRow>();
  for (const score of scores) if (!wanted.has(assignmentKey(score))) wanted.set(assignmentKey(score), score);
  const { rows } = await sql<{ id: string; course_id: string; source_key: string; points_possible: string | null; name: string }>`
    select a.id, a.course_id, a.source_key, a.points_possible, a.name
    from assignments a
    join unnest(${[...wanted.values()].map((s) => s.courseId)}::uuid[], ${[...wanted.values()].map((s) => s.event.assignment.sourceKey)}::text[]) as w(course_id, source_key)
      on a.course_id = w.course_id and a.source_key = w.source_key`.execute(db);
  const found = new Map(rows.map((row) => [`${row.course_id}\u0000${row.source_key}`, row]));
  const known = new Map<string, { id: string; points_possible: string | null }>();
  const changed: [string, ScoreRow][] = [];
  for (const [key, score] of wanted) {
    const row = found.get(key);
    const a = score.event.assignment;
    const news = !row || (a.name && a.name !== row.name) || (a.pointsPossible != null && Number(row.points_possible) !== a.pointsPossible);
    if (news) changed.push([key, score]);
    else known.set(key, row);
  }
  return { known, changed };
}
