import { sql, type Kysely } from 'kysely';
import type { EventsDb } from './tables';

/**
 * The one write of `learner_scores`, for one event (`applyEvent`) and for a batch
 * (`applyScoreEvents`) alike: the newest `occurredAt` wins, both among the rows given and against
 * the stored score. On a tie what came first stays: a stored score beats a later row, and among the
 * rows the earlier one in the list beats a later one.
 */

export interface ScoreWrite {
  courseId: string;
  learnerId: string;
  assignmentId: string;
  scoreGiven: number | null;
  scoreMaximum: number | null;
  excused: boolean;
  missing: boolean;
  /** ISO 8601. */
  occurredAt: string;
  eventId: string;
}

/**
 * One statement whatever the number of rows. Rows are sorted by key so that concurrent batches lock
 * score rows in one order (no deadlock). Returns how many stored scores it inserted or changed.
 */
export async function upsertScores(db: Kysely<EventsDb>, rows: readonly ScoreWrite[], options: { markProcessed?: readonly string[] } = {}): Promise<number> {
  const newest = new Map<string, ScoreWrite>();
  for (const row of rows) {
    const key = `${row.courseId}/${row.learnerId}/${row.assignmentId}`;
    const current = newest.get(key);
    if (current && Date.parse(current.occurredAt) >= Date.parse(row.occurredAt)) continue;
    newest.set(key, row);
  }
  if (newest.size === 0 && !options.markProcessed?.length) return 0;
  const ordered = [...newest.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, row]) => row);
  const col = <V>(pick: (row: ScoreWrite) => V) => ordered.map(pick);
  // `markProcessed`: these inbox events are marked processed by the same statement, so the scores and
  // the events' status commit together without a transaction of their own (one round trip, not four).
  const processed = options.markProcessed?.length
    ? sql`with processed as (
        update score_events set status = 'processed', processed_at = now(), attempts = attempts + 1, error = null
        where id = any(${[...options.markProcessed].sort()}::uuid[]))
      `
    : sql``;
  const result = await sql`${processed}
    insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, excused, missing, occurred_at, event_id)
    select * from unnest(${col((r) => r.courseId)}::uuid[], ${col((r) => r.learnerId)}::uuid[], ${col((r) => r.assignmentId)}::uuid[],
                         ${col((r) => r.scoreGiven)}::numeric[], ${col((r) => r.scoreMaximum)}::numeric[], ${col((r) => r.excused)}::boolean[],
                         ${col((r) => r.missing)}::boolean[], ${col((r) => r.occurredAt)}::timestamptz[], ${col((r) => r.eventId)}::uuid[])
    on conflict (course_id, learner_id, assignment_id) do update set
      score_given = excluded.score_given, score_maximum = excluded.score_maximum, excused = excluded.excused,
      missing = excluded.missing, occurred_at = excluded.occurred_at, event_id = excluded.event_id, updated_at = now()
    -- Newest occurredAt wins: an older event delivered late changes nothing.
    where learner_scores.occurred_at < excluded.occurred_at`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
