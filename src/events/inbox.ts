import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import { enroll, findCourse, upsertManualLearner } from '../courses';
import { LaurelError } from '../errors';
import { resolveMapping } from './mapping';
import { malformed } from './sources/common';
import type { NormalisedEvent } from './model';
import type { EventsDb, EventTables } from './tables';
import { asTables } from '../db';

export type ScoreEventRow = Selectable<EventTables['score_events']>;

export interface StoreEventProps {
  /** Dedupe scope: the source id, or `api` for the generic API. */
  scope: string;
  sourceId: string | null;
  platformId: string | null;
  event: NormalisedEvent;
}

export interface StoreEventResult {
  /** The inbox row id (the existing one for a duplicate). */
  eventId: string;
  duplicate: boolean;
  /** `pending` when it can be evaluated now, `parked` while its learner or course is unknown. */
  status: 'pending' | 'parked' | 'processed' | 'failed';
}

const on = <T>(db: Kysely<T>): Kysely<EventsDb> => asTables<EventsDb>(db);

/**
 * Commits one normalised event to the inbox. One INSERT ... ON CONFLICT DO NOTHING decides
 * duplicates, so two concurrent deliveries of the same event store it once (no check-then-insert).
 */
export async function storeEvent<T>(dbAny: Kysely<T>, props: StoreEventProps): Promise<StoreEventResult> {
  const [result] = await insertEvents(dbAny, [await prepareEvent(dbAny, props)]);
  return result!;
}

/** An inbox row ready to insert: the event with its LMS ids mapped (or not yet: then parked). */
export type PreparedEvent = Insertable<EventTables['score_events']>;

/** Maps the event's ids (cached lookups) and builds its inbox row; writes nothing but API learners. */
export async function prepareEvent<T>(dbAny: Kysely<T>, props: StoreEventProps): Promise<PreparedEvent> {
  const { event } = props;
  const payload = JSON.stringify(event);
  // PostgreSQL text and jsonb cannot hold NUL: refuse it here as bad input (400), not as a failed insert (500).
  if (payload.includes('\\u0000')) throw malformed('The event contains a NUL character (U+0000).');
  const mapping = await mapEvent(on(dbAny), props);
  // Assignment events need only the course; score events need the learner too.
  const mapped = mapping.courseId !== null && (event.type === 'assignment' || mapping.learnerId !== null);
  return {
    scope: props.scope,
    external_id: event.externalId,
    source_id: props.sourceId,
    origin: event.origin,
    kind: event.type,
    platform_id: props.platformId,
    course_id: mapping.courseId,
    learner_id: mapping.learnerId,
    lms_course_id: event.course.lmsCourseId ?? null,
    lms_user_id: event.type === 'score' ? (event.learner.lmsUserId ?? null) : null,
    occurred_at: new Date(event.occurredAt),
    payload,
    status: mapped ? 'pending' : 'parked',
  };
}

/**
 * Inserts many inbox rows in one statement (one commit). Duplicates, of stored events or within the
 * batch, are decided by the unique (scope, external_id) constraint: the first row of a key is stored,
 * the others are answered with the stored row. Results are in the order of `rows`.
 */
export async function insertEvents<T>(dbAny: Kysely<T>, rows: readonly PreparedEvent[]): Promise<StoreEventResult[]> {
  if (rows.length === 0) return [];
  const db = on(dbAny);
  const keyOf = (scope: string, externalId: string) => `${scope}\u0000${externalId}`;
  // One fixed statement over one JSON parameter: PostgreSQL parses the rows natively, and the
  // payloads (already JSON text) are spliced in as they are instead of being escaped again as text.
  const json = `[${rows.map(({ payload, ...row }) => `${JSON.stringify({ ...row, status: row.status ?? 'pending' }).slice(0, -1)},"payload":${payload}}`).join(',')}]`;
  const { rows: inserted } = await sql<{ id: string; status: StoreEventResult['status']; scope: string; external_id: string }>`
    insert into score_events (scope, external_id, source_id, origin, kind, platform_id, course_id, learner_id,
                              lms_course_id, lms_user_id, occurred_at, payload, status)
    select scope, external_id, source_id, origin, kind, platform_id, course_id, learner_id,
           lms_course_id, lms_user_id, occurred_at, payload, status
    from jsonb_to_recordset(${json}::jsonb) as r(scope text, external_id text, source_id uuid, origin text, kind text, platform_id uuid,
                                                 course_id uuid, learner_id uuid, lms_course_id text, lms_user_id text,
                                                 occurred_at timestamptz, payload jsonb, status text)
    on conflict (scope, external_id) do nothing
    returning id, status, scope, external_id`.execute(db);
  const fresh = new Map(inserted.map((row) => [keyOf(row.scope, row.external_id), row]));
  const missing = rows.filter((row) => !fresh.has(keyOf(row.scope, row.external_id)));
  const stored = new Map<string, { id: string; status: StoreEventResult['status'] }>();
  if (missing.length > 0) {
    const existing = await db
      .selectFrom('score_events')
      .select(['id', 'status', 'scope', 'external_id'])
      .where((eb) => eb(eb.refTuple('scope', 'external_id'), 'in', missing.map((row) => eb.tuple(row.scope, row.external_id))))
      .execute();
    for (const row of existing) stored.set(keyOf(row.scope, row.external_id), row);
  }
  const answered = new Set<string>();
  return rows.map((row) => {
    const key = keyOf(row.scope, row.external_id);
    const mine = fresh.get(key);
    if (mine && !answered.has(key)) {
      answered.add(key);
      return { eventId: mine.id, duplicate: false, status: mine.status };
    }
    const other = mine ?? stored.get(key);
    if (!other) throw new Error(`inbox row ${row.scope}/${row.external_id} neither inserted nor found`);
    return { eventId: other.id, duplicate: true, status: other.status };
  });
}

async function mapEvent(db: Kysely<EventsDb>, props: StoreEventProps) {
  const { event } = props;
  if (event.origin !== 'api') return resolveMapping(db, { platformId: props.platformId, event });
  // The generic API names a Laurel course; an unknown one is the caller's mistake, not a parked event.
  const course = event.course.courseId ? await findCourse(db, event.course.courseId) : undefined;
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No course has this courseId.', { issues: [{ field: 'courseId', message: 'unknown course' }] });
  if (course.platform_id === null && event.type === 'score') {
    if (!event.learner.email) {
      throw new LaurelError('ERR_VALIDATION', 'A learner of a course outside any LMS is identified by email.', { issues: [{ field: 'learner.email', message: 'required for this course' }] });
    }
    const learner = await upsertManualLearner(db, { email: event.learner.email, name: event.learner.name ?? null });
    await enroll(db, { courseId: course.id, learnerId: learner.id, source: 'api' });
    return { courseId: course.id, learnerId: learner.id };
  }
  return resolveMapping(db, { platformId: course.platform_id, event });
}

export function getEvent<T>(db: Kysely<T>, id: string): Promise<ScoreEventRow | undefined> {
  return on(db).selectFrom('score_events').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Re-maps parked events of a platform (call after a launch or roster sync recorded new LMS ids).
 * Returns the ids that became pending, for the caller to enqueue.
 */
export async function unparkEvents<T>(dbAny: Kysely<T>, props: { platformId: string; limit?: number; only?: LaunchIds }): Promise<string[]> {
  const db = on(dbAny);
  const only = props.only;
  const parked = await db
    .selectFrom('score_events')
    .select(['id', 'payload', 'platform_id'])
    .where('status', '=', 'parked')
    .where('platform_id', '=', props.platformId)
    // A launch made one course and one person known: only their events can map now.
    .$if(only !== undefined, (qb) => qb.where((eb) => eb.or([
      eb.and([eb('course_id', 'is', null), sql<boolean>`${lmsIdMatches(sql.ref('lms_course_id'), only!.lmsCourseIds)}`]),
      sql<boolean>`${lmsIdMatches(sql.ref('lms_user_id'), only!.lmsUserIds)}`,
      // Gradebook exports name learners by email only.
      ...(only!.email ? [sql<boolean>`lower(payload -> 'learner' ->> 'email') = ${only!.email.toLowerCase()}`] : []),
    ])))
    .orderBy('received_at')
    .limit(props.limit ?? 5000)
    .execute();
  const ready: string[] = [];
  for (const row of parked) {
    const event = row.payload as NormalisedEvent;
    const mapping = await resolveMapping(db, { platformId: props.platformId, event });
    if (mapping.courseId === null || (event.type === 'score' && mapping.learnerId === null)) continue;
    const updated = await db
      .updateTable('score_events')
      .set({ course_id: mapping.courseId, learner_id: mapping.learnerId, status: 'pending' })
      .where('id', '=', row.id)
      .where('status', '=', 'parked')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) > 0) ready.push(row.id);
  }
  return ready;
}

/** The LMS ids a launch made known: its course's and its person's (as events may name them). */
export interface LaunchIds {
  lmsCourseIds: string[];
  lmsUserIds: string[];
  email?: string | null;
}

/**
 * `column` names one of `ids`, directly or as a Canvas global id (shard * 10^13 + local id) whose
 * local part is one of them: the same matching as `canvasIdCandidates` in mapping.ts.
 */
function lmsIdMatches(column: ReturnType<typeof sql.ref>, ids: readonly string[]) {
  const list = ids.filter((id) => id.length > 0);
  if (list.length === 0) return sql`false`;
  return sql`(${column} = any(${list}::text[]) or (${column} ~ '^[0-9]{14,}$' and (${column}::numeric % 10000000000000)::text = any(${list}::text[])))`;
}

/** Events accepted but never processed after `graceMs` (Redis was down, a worker died). */
export async function findStalledEvents<T>(db: Kysely<T>, props: { now: Date; graceMs: number; limit: number }): Promise<string[]> {
  const rows = await on(db)
    .selectFrom('score_events')
    .select('id')
    .where('status', '=', 'pending')
    .where('received_at', '<', new Date(props.now.getTime() - props.graceMs))
    .orderBy('received_at')
    .limit(props.limit)
    .execute();
  return rows.map((r) => r.id);
}

// Last time this process recorded a delivery per source: spares one UPDATE per event under load.
const touched = new Map<string, number>();
const TOUCH_EVERY_MS = 10_000;

/** Records a delivery (or a refusal) on its source, for the admin page. */
export async function touchSource<T>(db: Kysely<T>, props: { sourceId: string; error?: string; now?: Date }): Promise<void> {
  if (props.error) {
    await on(db).updateTable('event_sources').where('id', '=', props.sourceId).set({ last_error: props.error.slice(0, 500), last_error_at: sql`now()` }).execute();
    return;
  }
  const now = (props.now ?? new Date()).getTime();
  if (now - (touched.get(props.sourceId) ?? 0) < TOUCH_EVERY_MS) return;
  touched.set(props.sourceId, now);
  await on(db).updateTable('event_sources').where('id', '=', props.sourceId).set({ last_event_at: sql`now()` }).execute();
}
