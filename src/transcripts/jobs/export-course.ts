import { defineJob, UnrecoverableError, type JobRun } from '../../queue';
import { isLaurelError } from '../../errors';
import { transcriptsDepsFor } from '../context';
import type { TranscriptsDeps } from '../deps';
import { exportCourse } from '../export';
import { exportDir, getExport, markDone, markFailed, markProgress, markRunning, purgeExpiredExports } from '../exports';
import { exportCoursePayload, type ExportCoursePayload } from '../schema';

export const EXPORT_COURSE_JOB = 'transcripts.export-course';

/**
 * Runs one course export generation: files under `<exportDir>/<exportId>/`, progress in the job and
 * in `transcript_exports` (what pages and the API poll). A missing export or course is permanent; a
 * crash mid-way is retried from scratch (the files are rewritten).
 */
export async function performExportCourse(deps: TranscriptsDeps, payload: ExportCoursePayload, run: Pick<JobRun, 'progress' | 'attempt'> & { lastAttempt: boolean }): Promise<{ learners: number; credentials: number }> {
  const row = await getExport(deps, payload.exportId);
  if (!row) throw new UnrecoverableError(`No transcript export ${payload.exportId}`);
  if (row.status === 'done') return { learners: row.learners_done, credentials: row.credentials_written };
  await purgeExpiredExports(deps).catch(() => undefined);
  await markRunning(deps, row.id);
  try {
    const result = await exportCourse(deps, {
      courseId: row.course_id,
      dir: exportDir(deps, row.id),
      includeExpired: row.include_expired,
      onProgress: async (p) => {
        await markProgress(deps, row.id, p);
        await run.progress({ learnersDone: p.learnersDone, learnersTotal: p.learnersTotal, percent: p.learnersTotal ? Math.floor((100 * p.learnersDone) / p.learnersTotal) : 0 });
      },
    });
    await markProgress(deps, row.id, result);
    await markDone(deps, row.id, result.files);
    return { learners: result.learnersDone, credentials: result.credentialsWritten };
  } catch (error) {
    const permanent = isLaurelError(error, 'ERR_NOT_FOUND');
    if (permanent || run.lastAttempt) await markFailed(deps, row.id, (error as Error).message);
    if (permanent) throw new UnrecoverableError((error as Error).message);
    throw error;
  }
}

export const exportCourseJob = defineJob<ExportCoursePayload>({
  name: EXPORT_COURSE_JOB,
  queue: 'export',
  schema: exportCoursePayload,
  options: { attempts: 2, backoff: { type: 'fixed', delay: 5000 } },
  perform: (payload, run) => performExportCourse(transcriptsDepsFor(run.ctx), payload, { ...run, lastAttempt: run.attempt >= 2 }),
});
