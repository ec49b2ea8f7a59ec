import type { ColumnType, Generated, Kysely } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { BadgeTables } from '../badges';
import type { CourseTables } from '../courses';

type Json<T> = ColumnType<T, string | undefined, string>;

export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

/** A file an export wrote: its name inside the export directory, size and media type. */
export interface ExportFile {
  name: string;
  bytes: number;
  mediaType: string;
}

export interface TranscriptTables {
  transcript_exports: {
    id: Generated<string>;
    course_id: string;
    generation: number;
    job_id: string;
    status: Generated<ExportStatus>;
    include_expired: Generated<boolean>;
    requested_by: string;
    learners_total: number | null;
    learners_done: Generated<number>;
    credentials_written: Generated<number>;
    files: Json<ExportFile[]>;
    error: string | null;
    started_at: Date | null;
    finished_at: Date | null;
    expires_at: Date | null;
    created_at: Generated<Date>;
  };
}

/** What transcripts read: their own table plus the course and badge tables (read only). */
export interface TranscriptsDb extends TranscriptTables, CourseTables, BadgeTables {}
export type TranscriptsHandle = Kysely<TranscriptsDb>;

/** Widens any Kysely handle (pool or transaction) to see the tables transcripts read. */
export function transcriptsDb(db: AnyDb): TranscriptsHandle {
  return asTables<TranscriptsDb>(db);
}
