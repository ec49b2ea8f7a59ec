import type { Request, Response, Router } from 'express';
import type { Job } from 'bullmq';
import type { AppContext } from '../context';
import { LaurelError } from '../errors';
import { detectGradebookFormat, findGradebookImport, gradebookToEvents, importGradebookJob, MAX_GRADEBOOK_BYTES } from '../events';
import { handle, renderPage } from '../http';
import { sessionOf, type CsrfTokens } from '../http';
import { multipartForm, uploadsOf } from '../http';
import { base, courseNav, courseOf } from './page-data';

/**
 * Gradebook CSV import for instructors (Canvas or Moodle export): the file is checked, handed to the
 * events module's import job, and a page shows its progress (a progress bar the script refreshes;
 * without script, a reload link).
 */
export function importRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  router.post('/imports', ...multipartForm({ limitBytes: MAX_GRADEBOOK_BYTES, nouns: { gradebook: 'file' } }), csrf.verify(), handle(async (req, res) => {
    const course = await courseOf(ctx, req);
    const { files, uploadErrors } = uploadsOf(res);
    const file = files.gradebook;
    const csv = file?.bytes.toString('utf8') ?? '';
    let scores = 0;
    let format: 'canvas' | 'moodle' | undefined;
    try {
      // An oversized file is dropped by the multipart parser, which says how large it was.
      if (!file) throw new LaurelError('ERR_VALIDATION', uploadErrors.gradebook ?? 'Choose the CSV file exported from your gradebook.');
      format = detectGradebookFormat(csv);
      scores = gradebookToEvents({ courseId: course.id, csv, format, exportedAt: new Date() }).length;
    } catch (error) {
      if (!(error instanceof LaurelError)) throw error;
      return renderImport(ctx, csrf, req, res.status(422), { error: error.message });
    }
    const jobId = await ctx.queues.enqueue(importGradebookJob, { courseId: course.id, csv, format, exportedAt: new Date().toISOString() });
    res.redirect(303, `${base(course.id)}/imports/${encodeURIComponent(jobId)}?scores=${scores}`);
  }));

  router.get('/imports/:jobId', handle(async (req, res) => renderImport(ctx, csrf, req, res, { job: await jobOf(ctx, req) })));

  router.get('/imports/:jobId/status.json', handle(async (req, res) => {
    res.set('Cache-Control', 'no-store').json(await statusOf(ctx, await jobOf(ctx, req)));
  }));
}

async function jobOf(ctx: AppContext, req: Request): Promise<Job> {
  const job = await findGradebookImport(ctx.queues, String(req.params.jobId));
  // Only this course's imports: the session authorises one course.
  if (!job || job.data.courseId !== String(req.params.courseId)) {
    throw new LaurelError('ERR_NOT_FOUND', 'No grade import of this course has this id.');
  }
  return job;
}

async function statusOf(ctx: AppContext, first: Job) {
  const state = await first.getState();
  // The job may have finished after it was read: read it again so its result matches its state.
  const job = state === 'completed' || state === 'failed' ? ((await findGradebookImport(ctx.queues, first.id!)) ?? first) : first;
  const result = (job.returnvalue ?? null) as { events: number; stored: number; duplicates: number; parked: number } | null;
  const progress = (typeof job.progress === 'object' && job.progress !== null ? job.progress : {}) as { done?: number; total?: number };
  const total = result?.events ?? progress.total ?? 0;
  const done = state === 'completed' ? total : (progress.done ?? 0);
  return { state, done, total, finished: state === 'completed' || state === 'failed', failed: state === 'failed', error: job.failedReason ?? null, result };
}

async function renderImport(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, props: { job?: Job; error?: string }): Promise<void> {
  const course = await courseOf(ctx, req);
  const status = props.job ? await statusOf(ctx, props.job) : undefined;
  renderPage(res, 'ui-import', {
    title: props.error ? `Import refused: ${course.title}` : `Grade import: ${course.title}`,
    embedded: true,
    course,
    tabs: courseNav(course.id, sessionOf(res).roles, 'instructor'),
    csrf: csrf.tokenFor(sessionOf(res)),
    back: base(course.id),
    action: `${base(course.id)}/imports`,
    error: props.error,
    status,
    here: props.job ? `${base(course.id)}/imports/${encodeURIComponent(String(props.job.id))}` : undefined,
  });
}
