import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context';
import type { Course, Platform } from '../courses';
import { LaurelError } from '../errors';
import { defineJob, UnrecoverableError } from '../queue';
import { applyEvent } from './apply';
import { insertEvents, prepareEvent, type PreparedEvent } from './inbox';
import { enqueueEvaluationBatches } from './jobs/evaluate';
import { parseMoodleEvent } from './sources/moodle';
import { findEventSource, openSourceSecret, type EventSource } from './sources-store';
import type { EventsDb } from './tables';
import { MOODLE_SIGNATURE_HEADER, MOODLE_TIMESTAMP_HEADER, signMoodleBody, verifyMoodleSignature } from './verify/moodle-hmac';
import { asTables } from '../db';

/**
 * Grades that existed before Laurel (Moodle). The companion plugin only delivers what happens after
 * it is configured, and AGS shows a tool only its own line items, so Laurel asks the plugin's export
 * (`<wwwroot>/local/laurel/export.php`, integrations/moodle/local_laurel/classes/export.php) for a
 * course's grade items and current grades, page by page. Requests and answers are signed like the
 * plugin's deliveries (HMAC-SHA256 of "timestamp.body" with the source's shared secret). Every
 * exported item and grade is a laurel.moodle.v1 payload that enters the inbox like a delivery, so
 * dedupe, parking, dry runs and backfills treat it like any other event.
 *
 * Laurel pulls (rather than the plugin pushing from a task) so that it decides when: a teacher's
 * first launch lists the course's quizzes before the page renders, and the "Fetch grades from
 * Moodle" button answers in seconds, not after the next Moodle cron run.
 */

export const MOODLE_EXPORT_SCHEMA = 'laurel.moodle.export.v1';
export const MOODLE_EXPORT_PATH = '/local/laurel/export.php';
/** Learners per page (the plugin accepts 1..200). */
export const MOODLE_EXPORT_PAGE = 100;
const REQUEST_TIMEOUT_MS = 20_000;
const MAX_ANSWER_BYTES = 32 * 1024 * 1024;

const exportAnswerSchema = z.object({
  schema: z.literal(MOODLE_EXPORT_SCHEMA),
  course: z.object({ id: z.string() }).loose(),
  after: z.string(),
  events: z.array(z.unknown()).max(100_000),
  next: z.string().regex(/^\d{1,19}$/).nullable(),
});

type Deps = Pick<AppContext, 'database' | 'queues' | 'logger' | 'config'> & { fetch?: typeof fetch };

/** What Laurel needs to ask a course's Moodle for its grades; null when the course is not on a Moodle with the plugin. */
export interface MoodleExportTarget {
  course: Course;
  platform: Platform;
  source: EventSource & { secret: string };
  moodleCourseId: string;
}

export async function findMoodleExportTarget<T>(dbAny: Kysely<T>, props: { courseId: string; keyEncryptionKey?: string }): Promise<MoodleExportTarget | null> {
  const db = asTables<EventsDb>(dbAny);
  const course = await db.selectFrom('courses').selectAll().where('id', '=', props.courseId).executeTakeFirst();
  if (!course?.platform_id) return null;
  const platform = await db.selectFrom('platforms').selectAll().where('id', '=', course.platform_id).executeTakeFirst();
  if (!platform || platform.lms !== 'moodle' || platform.status !== 'active') return null;
  const first = await db
    .selectFrom('event_sources')
    .select('id')
    .where('platform_id', '=', platform.id)
    .where('kind', '=', 'moodle')
    .where('enabled', '=', true)
    .orderBy('created_at')
    .executeTakeFirst();
  const row = first ? await findEventSource(db, first.id) : undefined;
  if (!row) return null;
  const secret = openSourceSecret(row, props.keyEncryptionKey);
  if (!secret) return null;
  // Moodle's LTI context id is its course id (recorded traffic); a custom laurel_course_id wins.
  const moodleCourseId = course.lms_course_id ?? course.context_id;
  if (!moodleCourseId || !/^\d{1,19}$/.test(moodleCourseId)) return null;
  return { course, platform, source: { ...row, secret }, moodleCourseId };
}

/** The signed request for one page (exported for the emulator's tests and the plugin round trip). */
export function moodleExportRequest(props: { sourceId: string; secret: string; moodleCourseId: string; after: string; limit: number; now: Date }): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({ schema: MOODLE_EXPORT_SCHEMA, source: props.sourceId, course: props.moodleCourseId, after: props.after, limit: props.limit });
  const timestamp = Math.floor(props.now.getTime() / 1000);
  return {
    body,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      [MOODLE_TIMESTAMP_HEADER]: String(timestamp),
      [MOODLE_SIGNATURE_HEADER]: signMoodleBody({ secret: props.secret, timestamp, body }),
    },
  };
}

/** Checks the plugin's signature on an answer, then its shape. */
export function readMoodleExportAnswer(props: { secret: string; body: Buffer; timestamp: string | null; signature: string | null; now: Date; expect: { course: string; after: string } }): z.infer<typeof exportAnswerSchema> {
  verifyMoodleSignature({ secret: props.secret, timestampHeader: props.timestamp ?? undefined, signatureHeader: props.signature ?? undefined, body: props.body, now: props.now });
  let json: unknown;
  try {
    json = JSON.parse(props.body.toString('utf8'));
  } catch {
    throw new LaurelError('ERR_UNAVAILABLE', "Moodle's grade export answered with something that is not JSON.");
  }
  const parsed = exportAnswerSchema.safeParse(json);
  if (!parsed.success) throw new LaurelError('ERR_UNAVAILABLE', "Moodle's grade export answered in an unexpected shape: is the Laurel plugin up to date (2026120700 or later)?");
  // A signed answer for another course or page (replayed) is not this page.
  if (parsed.data.course.id !== props.expect.course || parsed.data.after !== props.expect.after) throw new LaurelError('ERR_UNAVAILABLE', "Moodle's grade export answered for another course or page.");
  return parsed.data;
}

export interface FetchGradesResult {
  /** Pages read in this call. */
  pages: number;
  /** Events in those pages (items and grades). */
  events: number;
  /** New inbox rows (not duplicates of earlier fetches or deliveries). */
  stored: number;
  /** Grade items applied to the course at once. */
  assignments: number;
  /** All pages read; false when the deadline stopped it (the job continues from `next`). */
  complete: boolean;
  next: string | null;
}

/**
 * Reads the course's export from `after` (default: where the last fetch stopped, or the start when
 * `restart`), stores every page in the inbox, applies grade items at once (so pages list them) and
 * queues the evaluation of grades. Stops after `deadline` (epoch ms) between pages.
 */
export async function fetchMoodleGrades(deps: Deps, props: { target: MoodleExportTarget; restart: boolean; deadline?: number; now?: () => Date }): Promise<FetchGradesResult> {
  const { target } = props;
  const db = deps.database.db;
  const now = props.now ?? (() => new Date());
  const previous = await sql<{ next_after: string | null; status: string }>`select next_after, status from lms_grade_fetches where course_id = ${target.course.id}`.execute(db);
  let after = !props.restart && previous.rows[0]?.status === 'running' && previous.rows[0].next_after ? previous.rows[0].next_after : '0';
  await sql`
    insert into lms_grade_fetches (course_id, source_id, status, next_after, pages, events)
    values (${target.course.id}, ${target.source.id}, 'running', ${after}, 0, 0)
    on conflict (course_id) do update set source_id = excluded.source_id, status = 'running', next_after = excluded.next_after, error = null,
      finished_at = null, updated_at = now(),
      pages = case when ${after} = '0' then 0 else lms_grade_fetches.pages end,
      events = case when ${after} = '0' then 0 else lms_grade_fetches.events end,
      started_at = case when ${after} = '0' then now() else lms_grade_fetches.started_at end`.execute(db);
  const result: FetchGradesResult = { pages: 0, events: 0, stored: 0, assignments: 0, complete: false, next: after };
  try {
    for (;;) {
      const page = await requestPage(deps, target, after, now(), props.deadline);
      const stored = await storePage(deps, target, page.events);
      result.pages++;
      result.events += page.events.length;
      result.stored += stored.stored;
      result.assignments += stored.assignments;
      result.next = page.next;
      await sql`
        update lms_grade_fetches set pages = pages + 1, events = events + ${page.events.length}, next_after = ${page.next},
          status = ${page.next === null ? 'done' : 'running'}, finished_at = ${page.next === null ? now() : null}, updated_at = now()
        where course_id = ${target.course.id}`.execute(db);
      if (page.next === null) {
        result.complete = true;
        break;
      }
      after = page.next;
      if (props.deadline !== undefined && Date.now() >= props.deadline) break;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await sql`update lms_grade_fetches set status = 'failed', error = ${message.slice(0, 500)}, updated_at = now() where course_id = ${target.course.id}`.execute(db);
    throw error;
  }
  deps.logger.info({ courseId: target.course.id, sourceId: target.source.id, ...result }, 'Moodle grades fetched');
  return result;
}

async function requestPage(deps: Deps, target: MoodleExportTarget, after: string, now: Date, deadline?: number) {
  const request = moodleExportRequest({ sourceId: target.source.id, secret: target.source.secret, moodleCourseId: target.moodleCourseId, after, limit: MOODLE_EXPORT_PAGE, now });
  const url = `${target.platform.issuer.replace(/\/+$/, '')}${MOODLE_EXPORT_PATH}`;
  let response: Response;
  try {
    response = await (deps.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers: { ...request.headers, 'user-agent': `Laurel/0.1 (+${deps.config.BASE_URL})` },
      body: request.body,
      redirect: 'error',
      // A launch waiting on its first page gives up at its deadline; the job then has the full timeout.
      signal: AbortSignal.timeout(deadline === undefined ? REQUEST_TIMEOUT_MS : Math.min(REQUEST_TIMEOUT_MS, Math.max(1_000, deadline - Date.now()))),
    });
  } catch (cause) {
    throw new LaurelError('ERR_UNAVAILABLE', `${target.platform.name} could not be reached for its grades.`, { cause });
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_ANSWER_BYTES) throw new LaurelError('ERR_UNAVAILABLE', "Moodle's grade export page is too large.");
  if (response.status !== 200) throw new LaurelError(response.status >= 500 ? 'ERR_UNAVAILABLE' : 'ERR_CONFLICT', refusalMessage(target, response.status, body));
  return readMoodleExportAnswer({
    secret: target.source.secret,
    body,
    timestamp: response.headers.get(MOODLE_TIMESTAMP_HEADER),
    signature: response.headers.get(MOODLE_SIGNATURE_HEADER),
    now: new Date(),
    expect: { course: target.moodleCourseId, after },
  });
}

/** What the teacher and the log see when the plugin refuses: the likely fix, never the secret. */
function refusalMessage(target: MoodleExportTarget, status: number, body: Buffer): string {
  let reason = '';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    if (typeof parsed.error === 'string') reason = ` (${parsed.error.slice(0, 200)})`;
  } catch {
    // An HTML page: Moodle without the export (plugin missing or older than 2026120700).
  }
  if (status === 401) return `${target.platform.name} refused Laurel's signature${reason}: the shared secret in the Moodle plugin settings must be this event source's.`;
  if (status === 403) return `${target.platform.name} does not allow the grade export${reason}: see "Let Laurel fetch existing grades" and the event source id in the plugin settings.`;
  if (status === 404 && !reason) return `${target.platform.name} has no grade export: update the Laurel plugin (local_laurel 2026120700 or later).`;
  return `${target.platform.name} answered the grade export with HTTP ${status}${reason}.`;
}

async function storePage(deps: Deps, target: MoodleExportTarget, payloads: readonly unknown[]): Promise<{ stored: number; assignments: number }> {
  const db = deps.database.db;
  const prepared: PreparedEvent[] = [];
  for (const payload of payloads) {
    let parsed;
    try {
      parsed = parseMoodleEvent(payload);
    } catch (error) {
      // One item Laurel cannot read (a newer plugin's field) must not lose the rest of the course.
      deps.logger.warn({ courseId: target.course.id, err: error }, 'exported Moodle event refused');
      continue;
    }
    if (parsed.kind === 'ignored') continue;
    prepared.push(await prepareEvent(db, { scope: target.source.id, sourceId: target.source.id, platformId: target.platform.id, event: parsed.event }));
  }
  const saved = await insertEvents(db, prepared);
  let assignments = 0;
  const scores: string[] = [];
  for (let i = 0; i < saved.length; i++) {
    const row = saved[i]!;
    if (row.duplicate || row.status !== 'pending') continue;
    if (prepared[i]!.kind === 'assignment') {
      // Applied now: the page being rendered (first launch, the button) lists the course's items.
      if ((await applyEvent(db, { eventId: row.eventId })).kind === 'assignment') assignments++;
    } else {
      scores.push(row.eventId);
    }
  }
  await enqueueEvaluationBatches(deps, scores);
  return { stored: saved.filter((s) => !s.duplicate).length, assignments };
}

/** The state of a course's last fetch, for the instructor page. */
export async function lastGradeFetch<T>(db: Kysely<T>, courseId: string): Promise<{ status: 'running' | 'done' | 'failed'; events: number; error: string | null; finished_at: Date | null; started_at: Date } | undefined> {
  const { rows } = await sql<{ status: 'running' | 'done' | 'failed'; events: number; error: string | null; finished_at: Date | null; started_at: Date }>`
    select status, events, error, finished_at, started_at from lms_grade_fetches where course_id = ${courseId}`.execute(db);
  return rows[0];
}

export const fetchMoodleGradesPayload = z.object({ courseId: z.uuid(), restart: z.boolean().default(false) });

/** `events.fetch-moodle-grades`: reads (or continues reading) a course's export to the end. */
export const fetchMoodleGradesJob = defineJob<z.infer<typeof fetchMoodleGradesPayload>>({
  name: 'events.fetch-moodle-grades',
  queue: 'poll',
  schema: fetchMoodleGradesPayload,
  async perform(payload, { ctx }) {
    const target = await findMoodleExportTarget(ctx.database.db, { courseId: payload.courseId, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY });
    if (!target) throw new UnrecoverableError(`course ${payload.courseId} is not on a Moodle with an enabled Laurel event source`);
    return fetchMoodleGrades(ctx, { target, restart: payload.restart });
  },
});

/**
 * Fetches now, for at most `budgetMs`, and leaves the rest to the job. Used by the first launch of a
 * course and by the instructor's button; never throws for an unreachable Moodle (logged, recorded on
 * the fetch row, and retried by the job).
 */
export async function fetchMoodleGradesNow(deps: Deps, props: { courseId: string; restart: boolean; budgetMs: number }): Promise<FetchGradesResult | { error: string } | null> {
  const target = await findMoodleExportTarget(deps.database.db, { courseId: props.courseId, keyEncryptionKey: deps.config.KEY_ENCRYPTION_KEY });
  if (!target) return null;
  try {
    const result = await fetchMoodleGrades(deps, { target, restart: props.restart, deadline: Date.now() + props.budgetMs });
    if (!result.complete) await deps.queues.enqueue(fetchMoodleGradesJob, { courseId: props.courseId, restart: false });
    return result;
  } catch (error) {
    deps.logger.warn({ courseId: props.courseId, err: error }, 'Moodle grade export failed');
    const retry = !(error instanceof LaurelError && error.code === 'ERR_CONFLICT');
    if (retry) await deps.queues.enqueue(fetchMoodleGradesJob, { courseId: props.courseId, restart: false }).catch(() => undefined);
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
