import { describeApiOperation } from '../../http';
import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { apiScope, requireToken } from '../../http';
import { errorHandler } from '../../http';
import { handle, validateBody } from '../../http';
import { z } from 'zod';
import { findCourse } from '../../courses';
import { findGradebookImport, importGradebookJob, MAX_GRADEBOOK_BYTES } from '../import-gradebook';
import { ingestApiEvent, type IngestResult } from '../ingest';
import { detectGradebookFormat, gradebookToEvents } from '../sources/gradebook';
import { apiEventSchema, type ApiEventBody } from '../sources/api';
import { createSignedIntake, EVENT_BODY_LIMITS, intakeHeaderList, mediaTypeRefusal, requestIdOf, type SignedIntake } from './signed-intake';
import { publicRoute } from '../../http';
import { requireInScope, scopedTo } from '../../tenancy';

/**
 * Event intake. Each route answers 202 only after the event is committed to the inbox; refusals
 * (400 malformed, 401 unsigned/bad signature/stale, 404 unknown source, 413 too large, 415 media
 * type, 422 invalid API body) are logged and answered with a problem document.
 */

export { EVENT_BODY_LIMITS };

export interface EventIntakeRouterOptions {
  /** Express metrics middleware for the generic API route. */
  observe?: RequestHandler;
  /** The signed webhook handler; the app passes the one it also serves before express. Default: a new one. */
  intake?: SignedIntake;
}

/**
 * The three intake routes, mounted before the page middleware (session cookies, CSP for pages,
 * per-request access logs): LMSs post here hundreds of times a second and each request is
 * authenticated by its own signature or token. The two signed webhooks are answered by the lean
 * handler (signed-intake.ts); the app serves them before express even starts (src/web/routes.ts),
 * these express routes catch the shapes its matcher leaves to express and serve apps that mount
 * this router alone.
 */
export function createEventIntakeRouter(ctx: AppContext, options: EventIntakeRouterOptions = {}): Router {
  const router = express.Router();
  const intake = options.intake ?? createSignedIntake(ctx);
  const lean = [intakeHeaders(ctx), ...(options.observe ? [options.observe] : [])];

  router.post('/events/canvas/:sourceId', publicRoute('events:deliver'), (req, res, next) => {
    intake.deliver('canvas', req.params.sourceId!, req, res).catch(next);
  });
  router.post('/events/moodle/:sourceId', publicRoute('events:deliver'), (req, res, next) => {
    intake.deliver('moodle', req.params.sourceId!, req, res).catch(next);
  });

  describeApiOperation({
    method: 'post', path: '/api/v1/events', tag: 'Events', scopes: ['events'], summary: 'Deliver a score (202 once durable; a repeated id is acknowledged and ignored)',
    body: apiEventSchema, problems: [400, 413, 415, 422],
    responses: { 202: z.object({ accepted: z.literal(true), duplicate: z.boolean(), ignored: z.string().optional(), eventId: z.string().optional(), status: z.enum(['pending', 'parked', 'processed', 'failed']).optional() }) },
  });
  router.post(
    '/api/v1/events',
    ...lean,
    requireToken(ctx, 'events'),
    mediaType(['application/json']),
    express.json({ limit: EVENT_BODY_LIMITS.api, type: () => true }),
    validateBody(apiEventSchema),
    scopedTo(ctx.database.db, 'course', (req) => ({ course: (req.body as ApiEventBody).courseId })),
    handle(async (req, res) => {
      const result = await ingestApiEvent(ctx, { body: req.body as ApiEventBody });
      acknowledge(ctx, req, res, result);
    }),
  );

  router.use(((error, req, res, next) => {
    req.log ??= ctx.logger.child({ req: { id: req.id, method: req.method, url: req.originalUrl } });
    errorHandler(error, req, res, next);
  }) as ErrorRequestHandler);
  return router;
}

function acknowledge(ctx: AppContext, req: Request, res: Response, result: IngestResult): void {
  if (ctx.logger.isLevelEnabled('debug')) ctx.logger.debug({ reqId: req.id, url: req.originalUrl, ...result }, 'event accepted');
  // Written directly: res.json would also hash the body for an ETag nobody revalidates.
  res.statusCode = 202;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(result));
}

/** Headers for machine answers: nothing here is a page, so nothing may frame, run or sniff it. */
function intakeHeaders(ctx: AppContext): RequestHandler {
  const list = intakeHeaderList(ctx.config.BASE_URL);
  return (req, res, next) => {
    const id = requestIdOf(req.headers['x-request-id']);
    req.id = id;
    res.setHeader('X-Request-Id', id);
    for (let i = 0; i < list.length; i += 2) res.setHeader(list[i]!, list[i + 1]!);
    next();
  };
}

/** Gradebook imports (token API): ordinary routes behind the page middleware. */
export function createEventsRouter(ctx: AppContext): Router {
  const router = express.Router();

  // Gradebook CSV import: checked now (so a wrong file is a 400 at once), processed as a job.
  describeApiOperation({
    method: 'post', path: '/api/v1/courses/:courseId/gradebook-imports', tag: 'Events', scopes: ['events'], summary: 'Import a Canvas or Moodle gradebook CSV export (202: processed as a job)',
    params: z.object({ courseId: z.uuid() }), query: importQuery, body: z.string().describe('The CSV file as exported by the LMS.'), bodyTypes: ['text/csv', 'application/csv', 'text/plain'], problems: [404, 413, 415],
    responses: { 202: z.object({ jobId: z.string(), format: z.enum(['canvas', 'moodle']), scores: z.int(), status: z.string() }) },
  });
  describeApiOperation({
    method: 'get', path: '/api/v1/gradebook-imports/:jobId', tag: 'Events', scopes: ['events'], summary: 'State and progress of a gradebook import',
    params: z.object({ jobId: z.string() }), problems: [404],
    responses: { 200: z.object({ jobId: z.string(), state: z.string(), progress: z.union([z.number(), z.object({ done: z.int(), total: z.int() })]), result: z.looseObject({}).nullable(), error: z.string().nullable() }) },
  });
  router.post(
    '/api/v1/courses/:courseId/gradebook-imports',
    requireToken(ctx, 'events'),
    scopedTo(ctx.database.db, 'course', (req) => ({ course: String(req.params.courseId) })),
    mediaType(['text/csv', 'application/csv', 'text/plain']),
    express.text({ type: () => true, limit: MAX_GRADEBOOK_BYTES }),
    handle(async (req, res) => {
      const query = importQuery.safeParse(req.query);
      if (!query.success) throw new LaurelError('ERR_VALIDATION', 'Invalid query: format must be canvas or moodle, exportedAt an ISO date.');
      const course = await findCourse(ctx.database.db, req.params.courseId!);
      if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No course has this id.');
      const csv = typeof req.body === 'string' ? req.body : '';
      const format = query.data.format ?? detectGradebookFormat(csv);
      const exportedAt = query.data.exportedAt ?? new Date().toISOString();
      const scores = gradebookToEvents({ courseId: course.id, csv, format, exportedAt: new Date(exportedAt) }).length;
      const jobId = await ctx.queues.enqueue(importGradebookJob, { courseId: course.id, csv, format, exportedAt });
      res.status(202).json({ jobId, format, scores, status: `/api/v1/gradebook-imports/${jobId}` });
    }),
  );

  router.get(
    '/api/v1/gradebook-imports/:jobId',
    requireToken(ctx, 'events'),
    handle(async (req, res) => {
      const job = await findGradebookImport(ctx.queues, req.params.jobId!);
      if (!job) throw new LaurelError('ERR_NOT_FOUND', 'No gradebook import has this id.');
      // A token bound to a platform sees the imports into that platform's courses only.
      await requireInScope(ctx.database.db, apiScope(res.locals.apiToken), { course: job.data.courseId }, 'gradebook import');
      res.json({ jobId: job.id, state: await job.getState(), progress: job.progress, result: job.returnvalue ?? null, error: job.failedReason ?? null });
    }),
  );

  return router;
}

const importQuery = z.object({ format: z.enum(['canvas', 'moodle']).optional(), exportedAt: z.iso.datetime({ offset: true }).optional() });

function mediaType(allowed: string[], options: { optional?: boolean } = {}): RequestHandler {
  return (req, _res, next) => next(mediaTypeRefusal(req.headers['content-type'], allowed, options));
}
