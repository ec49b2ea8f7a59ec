import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql, type Selectable } from 'kysely';
import { LaurelError } from '../errors';
import { clock, type TranscriptsDeps } from './deps';
import { linkKey, signedDownloadPath } from './links';
import { transcriptsDb, type ExportFile, type TranscriptTables } from './tables';

export type ExportRow = Selectable<TranscriptTables['transcript_exports']>;

/** How an export is presented to API clients and pages. */
export interface ExportView {
  id: string;
  courseId: string;
  generation: number;
  jobId: string;
  status: ExportRow['status'];
  progress: { learnersDone: number; learnersTotal: number | null; percent: number; credentialsWritten: number };
  files: (ExportFile & { url: string })[];
  expiresAt: string | null;
  error: string | null;
  createdAt: string;
}

/** Download links live at most this long (the export itself lives TRANSCRIPTS_EXPORT_TTL_HOURS). */
const LINK_TTL_MS = 3600 * 1000;

/** BullMQ job id of a course export generation: derived, so enqueueing the same generation twice is a no-op. */
export function exportJobId(courseId: string, generation: number): string {
  return `transcripts.${courseId}.${generation}`;
}

export function exportDir(deps: Pick<TranscriptsDeps, 'options'>, exportId: string): string {
  return join(deps.options.exportDir, exportId);
}

/**
 * Starts a course export or returns the one that already answers the request: the queued or running
 * export of the course (so a second request while one runs gets the same job), else the latest
 * finished one while it can still be downloaded (unless `refresh`). Concurrent requests race on the
 * unique indexes (one active export per course; one row per generation), never on a read-then-write.
 */
export async function requestCourseExport(
  deps: TranscriptsDeps,
  props: { courseId: string; actor: string; includeExpired?: boolean; refresh?: boolean },
  enqueue: (row: ExportRow) => Promise<void>,
): Promise<{ row: ExportRow; created: boolean }> {
  const db = transcriptsDb(deps.db);
  const now = clock(deps);
  const course = await db.selectFrom('courses').select('id').where('id', '=', props.courseId).executeTakeFirst();
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const latest = await db.selectFrom('transcript_exports').selectAll().where('course_id', '=', course.id).orderBy('generation', 'desc').limit(1).executeTakeFirst();
    if (latest && (latest.status === 'queued' || latest.status === 'running')) {
      // Same derived job id: BullMQ ignores the add while the job exists, and re-creates a job that
      // was lost (Redis flushed), so an export can never stay "queued" forever.
      await enqueue(latest).catch(() => undefined);
      return { row: latest, created: false };
    }
    if (latest && latest.status === 'done' && !props.refresh && latest.expires_at && latest.expires_at > now) return { row: latest, created: false };
    const generation = (latest?.generation ?? 0) + 1;
    const inserted = await db
      .insertInto('transcript_exports')
      .values({ course_id: course.id, generation, job_id: exportJobId(course.id, generation), include_expired: props.includeExpired ?? false, requested_by: props.actor, files: '[]' })
      .onConflict((oc) => oc.doNothing())
      .returningAll()
      .executeTakeFirst();
    if (!inserted) continue; // another request won the race: read again and answer with its export
    try {
      await enqueue(inserted);
    } catch (error) {
      await markFailed(deps, inserted.id, 'The export could not be queued.');
      throw new LaurelError('ERR_UNAVAILABLE', 'The export queue is unavailable; try again shortly.', { cause: error });
    }
    return { row: inserted, created: true };
  }
  throw new LaurelError('ERR_CONFLICT', 'Export requests for this course keep colliding; try again.');
}

export async function getExport(deps: Pick<TranscriptsDeps, 'db'>, exportId: string): Promise<ExportRow | undefined> {
  return transcriptsDb(deps.db).selectFrom('transcript_exports').selectAll().where('id', '=', exportId).executeTakeFirst();
}

export async function markRunning(deps: TranscriptsDeps, exportId: string): Promise<void> {
  await transcriptsDb(deps.db).updateTable('transcript_exports').set({ status: 'running', started_at: clock(deps), error: null }).where('id', '=', exportId).execute();
}

export async function markProgress(deps: Pick<TranscriptsDeps, 'db'>, exportId: string, p: { learnersDone: number; learnersTotal: number; credentialsWritten: number }): Promise<void> {
  await transcriptsDb(deps.db)
    .updateTable('transcript_exports')
    .set({ learners_done: p.learnersDone, learners_total: p.learnersTotal, credentials_written: p.credentialsWritten })
    .where('id', '=', exportId)
    .execute();
}

export async function markDone(deps: TranscriptsDeps, exportId: string, files: ExportFile[]): Promise<void> {
  const now = clock(deps);
  await transcriptsDb(deps.db)
    .updateTable('transcript_exports')
    .set({ status: 'done', finished_at: now, files: JSON.stringify(files), expires_at: new Date(now.getTime() + deps.options.exportTtlHours * 3600 * 1000) })
    .where('id', '=', exportId)
    .execute();
}

export async function markFailed(deps: TranscriptsDeps, exportId: string, message: string): Promise<void> {
  await transcriptsDb(deps.db).updateTable('transcript_exports').set({ status: 'failed', finished_at: clock(deps), error: message.slice(0, 500) }).where('id', '=', exportId).execute();
}

/** Deletes the files of exports past their download window; returns how many were purged. */
export async function purgeExpiredExports(deps: TranscriptsDeps): Promise<number> {
  const rows = await transcriptsDb(deps.db)
    .updateTable('transcript_exports')
    .set({ files: '[]' })
    .where('status', '=', 'done')
    .where('expires_at', '<=', clock(deps))
    .where(sql<boolean>`files <> '[]'::jsonb`)
    .returning('id')
    .execute();
  for (const row of rows) rmSync(exportDir(deps, row.id), { recursive: true, force: true });
  return rows.length;
}

/** The API/page view of an export, with signed download links while it can be downloaded. */
export function exportView(deps: TranscriptsDeps, row: ExportRow): ExportView {
  const now = clock(deps);
  const downloadable = row.status === 'done' && row.expires_at !== null && row.expires_at > now;
  const linkExpiry = downloadable ? new Date(Math.min(row.expires_at!.getTime(), now.getTime() + LINK_TTL_MS)) : now;
  const key = linkKey(deps.config.SESSION_SECRET);
  const total = row.learners_total;
  return {
    id: row.id,
    courseId: row.course_id,
    generation: row.generation,
    jobId: row.job_id,
    status: row.status,
    progress: {
      learnersDone: row.learners_done,
      learnersTotal: total,
      percent: row.status === 'done' ? 100 : total ? Math.min(99, Math.floor((100 * row.learners_done) / total)) : 0,
      credentialsWritten: row.credentials_written,
    },
    files: downloadable
      ? row.files.map((f) => ({ ...f, url: `${deps.config.BASE_URL}${signedDownloadPath({ key, exportId: row.id, file: f.name, expires: linkExpiry })}` }))
      : [],
    expiresAt: row.expires_at?.toISOString() ?? null,
    error: row.error,
    createdAt: row.created_at.toISOString(),
  };
}
