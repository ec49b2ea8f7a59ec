import { describeApiOperation } from '../../http';
import { z } from 'zod';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { requireCourseRole, type LtiSession } from '../../lti';
import { handle, renderPage, requireToken, tokenActor, validateQuery } from '../../http';
import { transcriptsDepsFor } from '../context';
import { clock, type TranscriptsDeps } from '../deps';
import { exportDir, exportView, getExport, requestCourseExport, type ExportRow } from '../exports';
import { exportCourseJob } from '../jobs/export-course';
import { learnerClr, type LearnerClr } from '../learner-clr';
import { linkKey, verifyDownload } from '../links';
import { downloadQuery, idParams, learnerClrQuery, transcriptsQuery, type LearnerClrQuery, type TranscriptsQuery } from '../schema';
import { publicRoute } from '../../http';
import { scopedTo } from '../../tenancy';

/**
 * Transcripts over HTTP:
 * - `GET /api/v1/learners/:id/clr` and `GET /api/v1/courses/:id/transcripts`: API tokens with the
 *   `transcripts` (or `admin`) scope.
 * - `GET /transcripts/courses/:courseId/clr`: the learner's own CLR, from their LTI session in that
 *   course (the learner id comes from the signed session, never from the request).
 * - `GET /transcripts/courses/:courseId/export`: the course's export (start or progress) for its
 *   instructors, polled by the instructor page.
 * - `GET /transcripts/exports/:id/:file`: signed, expiring download links handed out by the two above.
 */
export function createTranscriptsRouter(ctx: AppContext): Router {
  const router = express.Router();
  const deps = () => transcriptsDepsFor(ctx);
  const enqueue = async (row: ExportRow) => {
    await ctx.queues.enqueue(exportCourseJob, { exportId: row.id }, { jobId: row.job_id });
  };

  describeApiOperation({
    method: 'get', path: '/api/v1/learners/:id/clr', tag: 'Learners', scopes: ['transcripts'], summary: 'One learner\'s CLR 2.0 (signed JSON; compact JWS with format=jwt)',
    params: idParams, query: learnerClrQuery, problems: [404], responses: { 200: z.looseObject({ type: z.array(z.string()) }) },
  });
  const exportSchema = z.object({
    id: z.uuid(), courseId: z.uuid(), generation: z.int(), jobId: z.string(), status: z.string(),
    progress: z.object({ learnersDone: z.int(), learnersTotal: z.int().nullable(), percent: z.int(), credentialsWritten: z.int() }),
    files: z.array(z.looseObject({ name: z.string(), url: z.string() })), expiresAt: z.string().nullable(), error: z.string().nullable(), createdAt: z.string(),
  });
  describeApiOperation({
    method: 'get', path: '/api/v1/courses/:id/transcripts', tag: 'Courses', scopes: ['transcripts'], summary: 'The course\'s CLR export: starts one (202) or answers the running or finished one (200, with signed download links)',
    params: idParams, query: transcriptsQuery, problems: [404], responses: { 200: exportSchema, 202: exportSchema },
  });
  router.get('/api/v1/learners/:id/clr', requireToken(ctx, 'transcripts'), validateQuery(learnerClrQuery), scopedTo(ctx.database.db, 'learner', (req) => ({ learner: String(req.params.id) })), handle(async (req, res) => {
    const learnerId = parseId(req.params.id);
    const query = res.locals.query as LearnerClrQuery;
    const clr = await learnerClr(deps(), { learnerId, courseId: query.courseId, issuerId: query.issuerId, includeExpired: query.includeExpired });
    sendClr(req, res, clr, query.format);
  }));

  router.get('/api/v1/courses/:id/transcripts', requireToken(ctx, 'transcripts'), validateQuery(transcriptsQuery), scopedTo(ctx.database.db, 'course', (req) => ({ course: String(req.params.id) })), handle(async (req, res) => {
    const courseId = parseId(req.params.id);
    const query = res.locals.query as TranscriptsQuery;
    const { row } = await requestCourseExport(deps(), { courseId, actor: tokenActor(res.locals.apiToken), includeExpired: query.includeExpired, refresh: query.refresh }, enqueue);
    answerExport(res, deps(), row);
  }));

  router.get('/transcripts/courses/:courseId/clr', requireCourseRole('learner'), handle(async (req, res) => {
    const session = res.locals.ltiSession as LtiSession;
    const clr = await learnerClr(deps(), { learnerId: session.learnerId, courseId: session.courseId });
    res.attachment('learner-record.json');
    sendClr(req, res, clr, 'json');
  }));

  router.get('/transcripts/courses/:courseId/export', requireCourseRole('instructor'), handle(async (req, res) => {
    const session = res.locals.ltiSession as LtiSession;
    const { row } = await requestCourseExport(deps(), { courseId: session.courseId, actor: `lti:${session.learnerId}` }, enqueue);
    // Browsers get a page whose progress bar polls this same URL for JSON (a running export is returned, not restarted).
    if (req.accepts(['json', 'html']) === 'html') return renderExportPage(res, deps(), row);
    answerExport(res, deps(), row);
  }));

  router.get('/transcripts/exports/:id/:file', publicRoute(), validateQuery(downloadQuery), handle(async (req, res) => {
    const exportId = parseId(req.params.id);
    const file = String(req.params.file);
    const { expires, sig } = res.locals.query as { expires: number; sig: string };
    const d = deps();
    if (!verifyDownload({ key: linkKey(d.config.SESSION_SECRET), exportId, file, expires, sig, now: clock(d) })) {
      throw new LaurelError('ERR_FORBIDDEN', 'This download link is invalid or has expired: ask for the export again.');
    }
    const row = await getExport(d, exportId);
    const entry = row?.status === 'done' && row.expires_at && row.expires_at > clock(d) ? row.files.find((f) => f.name === file) : undefined;
    // Only names the export recorded are served, so a crafted name cannot walk out of the directory.
    const path = entry && join(exportDir(d, exportId), entry.name);
    if (!entry || !path || !existsSync(path)) throw new LaurelError('ERR_NOT_FOUND', 'This export is no longer available.');
    res.set('Cache-Control', 'private, no-store');
    res.type(entry.mediaType);
    res.attachment(`course-${row!.course_id}-${row!.generation}-${entry.name}`);
    createReadStream(path).on('error', (error) => res.destroy(error)).pipe(res);
  }));

  return router;
}

function parseId(value: unknown): string {
  const parsed = idParams.safeParse({ id: value });
  if (!parsed.success) throw new LaurelError('ERR_NOT_FOUND');
  return parsed.data.id;
}

function sendClr(req: Request, res: Response, clr: LearnerClr, format: 'json' | 'jwt' | undefined): void {
  res.set('Cache-Control', 'private, no-store');
  const wantsJwt = format === 'jwt' || (format === undefined && req.accepts(['application/ld+json', 'application/json', 'application/vc+jwt']) === 'application/vc+jwt');
  if (wantsJwt) {
    res.type('application/vc+jwt').send(clr.jws);
    return;
  }
  res.type(req.accepts(['application/json', 'application/ld+json']) === 'application/ld+json' ? 'application/ld+json' : 'application/json').send(JSON.stringify(clr.credential));
}

function renderExportPage(res: Response, deps: TranscriptsDeps, row: ExportRow): void {
  const view = exportView(deps, row);
  const finished = view.status === 'done' || view.status === 'failed';
  res.set('Cache-Control', 'private, no-store');
  renderPage(res.status(finished ? 200 : 202), 'transcripts-export', {
    title: 'Course transcripts export',
    embedded: true,
    export: view,
    finished,
    failed: view.status === 'failed',
    total: view.progress.learnersTotal ?? 0,
    back: `/lti/courses/${view.courseId}/instructor`,
  });
}

function answerExport(res: Response, deps: TranscriptsDeps, row: ExportRow): void {
  res.set('Cache-Control', 'private, no-store');
  res.status(row.status === 'done' || row.status === 'failed' ? 200 : 202).json(exportView(deps, row));
}
