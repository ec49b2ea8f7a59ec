import express, { type RequestHandler, type Router } from 'express';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { requireToken } from '../../web/auth';
import { handle, validateBody } from '../../web/validate';
import { ingestApiEvent, ingestCanvasDelivery, ingestMoodleDelivery } from '../ingest';
import { apiEventSchema, type ApiEventBody } from '../sources/api';
import { MOODLE_SIGNATURE_HEADER, MOODLE_TIMESTAMP_HEADER } from '../verify/moodle-hmac';

/**
 * Event intake. Each route answers 202 only after the event is committed to the inbox; refusals
 * (400 malformed, 401 unsigned/bad signature/stale, 404 unknown source, 413 too large, 415 media
 * type, 422 invalid API body) go through the error middleware, which logs them.
 */

/** Body limits: Canvas truncates submission bodies and descriptions to 8 KiB, so 256 KiB is ample. */
export const EVENT_BODY_LIMITS = { canvas: '256kb', moodle: '64kb', api: '16kb' } as const;

export function createEventsRouter(ctx: AppContext): Router {
  const router = express.Router();

  router.post(
    '/events/canvas/:sourceId',
    // Canvas posts the compact JWT (or JSON when signing is off); its media type is undocumented.
    mediaType(['application/jwt', 'application/json', 'text/plain', 'application/octet-stream'], { optional: true }),
    express.raw({ type: () => true, limit: EVENT_BODY_LIMITS.canvas }),
    handle(async (req, res) => {
      const result = await ingestCanvasDelivery(ctx, { sourceId: req.params.sourceId!, body: rawBody(req.body), now: new Date() });
      res.status(202).json(result);
    }),
  );

  router.post(
    '/events/moodle/:sourceId',
    mediaType(['application/json']),
    // Raw bytes: the HMAC covers exactly what was sent, so we must not re-serialise parsed JSON.
    express.raw({ type: () => true, limit: EVENT_BODY_LIMITS.moodle }),
    handle(async (req, res) => {
      const result = await ingestMoodleDelivery(ctx, {
        sourceId: req.params.sourceId!,
        body: rawBody(req.body),
        timestamp: req.get(MOODLE_TIMESTAMP_HEADER),
        signature: req.get(MOODLE_SIGNATURE_HEADER),
        now: new Date(),
      });
      res.status(202).json(result);
    }),
  );

  router.post(
    '/api/v1/events',
    requireToken(ctx, 'events'),
    mediaType(['application/json']),
    express.json({ limit: EVENT_BODY_LIMITS.api, type: () => true }),
    validateBody(apiEventSchema),
    handle(async (req, res) => {
      const result = await ingestApiEvent(ctx, { body: req.body as ApiEventBody });
      res.status(202).json(result);
    }),
  );

  return router;
}

function mediaType(allowed: string[], options: { optional?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    const header = req.headers['content-type'];
    const type = header?.split(';')[0]?.trim().toLowerCase();
    if (!type && options.optional) return next();
    if (type && allowed.includes(type)) return next();
    next(new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', `Send the event as ${allowed.join(' or ')}${type ? `, not ${type}` : ''}.`));
  };
}

function rawBody(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}
