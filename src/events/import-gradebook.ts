import { z } from 'zod';
import type { AppContext } from '../context';
import { enroll, findCourse, upsertManualLearner } from '../courses';
import { LaurelError } from '../errors';
import type { Job } from 'bullmq';
import { defineJob, UnrecoverableError, type Queues } from '../queue';
import { insertEvents, prepareEvent } from './inbox';
import { enqueueEvaluationBatches } from './jobs/evaluate';

const IMPORT_CHUNK = 500;
import { gradebookToEvents, type GradebookFormat } from './sources/gradebook';

/** Largest accepted export: 5 MiB is about 20,000 learners x 20 assignments. */
export const MAX_GRADEBOOK_BYTES = 5 * 1024 * 1024;

export interface ImportResult {
  events: number;
  stored: number;
  duplicates: number;
  parked: number;
}

/** Stores a gradebook export's scores as events (dedupe, parking and evaluation as for any source). */
export async function importGradebook(
  deps: Pick<AppContext, 'database' | 'queues' | 'logger'> & Partial<Pick<AppContext, 'redis'>>,
  props: { courseId: string; csv: string; format?: GradebookFormat; exportedAt: Date; progress?: (done: number, total: number) => Promise<void> },
): Promise<ImportResult> {
  const db = deps.database.db;
  const course = await findCourse(db, props.courseId);
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No course has this id.');
  const events = gradebookToEvents({ courseId: course.id, csv: props.csv, format: props.format, exportedAt: props.exportedAt });
  // A course outside any LMS has no roster: the export's emails make its learners.
  if (course.platform_id === null) {
    const seen = new Set<string>();
    for (const e of events) {
      const email = e.learner.email?.toLowerCase();
      if (!email || seen.has(email)) continue;
      seen.add(email);
      const learner = await upsertManualLearner(db, { email, name: e.learner.name ?? null });
      await enroll(db, { courseId: course.id, learnerId: learner.id, source: 'api' });
    }
  }
  const result: ImportResult = { events: events.length, stored: 0, duplicates: 0, parked: 0 };
  // Chunks of 500: one INSERT and one evaluate-batch job each, instead of a round trip per score.
  for (let start = 0; start < events.length; start += IMPORT_CHUNK) {
    const chunk = events.slice(start, start + IMPORT_CHUNK);
    const rows = [];
    for (const event of chunk) rows.push(await prepareEvent(db, { scope: `csv:${course.id}`, sourceId: null, platformId: course.platform_id, event }));
    const saved = await insertEvents(db, rows);
    const ready: string[] = [];
    for (const s of saved) {
      if (s.duplicate) result.duplicates++;
      else {
        result.stored++;
        if (s.status === 'parked') result.parked++;
        else ready.push(s.eventId);
      }
    }
    // Best effort, as at intake: the relay queues what Redis refused.
    await enqueueEvaluationBatches(deps, ready);
    if (props.progress) await props.progress(start + chunk.length, events.length);
  }
  return result;
}

export const importGradebookPayload = z.object({
  courseId: z.uuid(),
  csv: z.string().max(MAX_GRADEBOOK_BYTES),
  format: z.enum(['canvas', 'moodle']).optional(),
  exportedAt: z.iso.datetime({ offset: true }),
});

/** `events.import-gradebook` on the `import` queue, with progress `{done, total}`. */
export const importGradebookJob = defineJob<z.infer<typeof importGradebookPayload>>({
  name: 'events.import-gradebook',
  queue: 'import',
  schema: importGradebookPayload,
  async perform(payload, run) {
    try {
      return await importGradebook(run.ctx, {
        courseId: payload.courseId, csv: payload.csv, format: payload.format, exportedAt: new Date(payload.exportedAt),
        progress: (done, total) => run.progress({ done, total }),
      });
    } catch (error) {
      // A malformed file or a deleted course will not get better by retrying.
      if (error instanceof LaurelError && error.code !== 'ERR_UNAVAILABLE') throw new UnrecoverableError(error.message);
      throw error;
    }
  },
});

/**
 * A gradebook import job by id (undefined when none, or the id names another kind of job): how other
 * modules follow an import without knowing its queue or job name. The course it imports into is in
 * `job.data.courseId`; callers check it against what the caller may see.
 */
export async function findGradebookImport(queues: Queues, jobId: string): Promise<Job<z.infer<typeof importGradebookPayload>> | undefined> {
  const job = await queues.get(importGradebookJob.queue).getJob(jobId);
  return job && job.name === importGradebookJob.name ? (job as Job<z.infer<typeof importGradebookPayload>>) : undefined;
}
