import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { AppContext } from '../../context';
import { LaurelError } from '../../errors';
import { logProblem, problemOf } from '../../http';
import { ingestCanvasDelivery, ingestMoodleDelivery, type IngestResult } from '../ingest';
import { MOODLE_SIGNATURE_HEADER, MOODLE_TIMESTAMP_HEADER } from '../verify/moodle-hmac';
import { AccessSummary } from './access-summary';

/**
 * The lean intake path: the two signed LMS webhooks (Moodle HMAC, Canvas JWT) answered on node's own
 * request and response, without express's per-request work (prototype swaps, router walk, query
 * parsing, body-parser streams, a `finish` listener for metrics). LMSs post here thousands of times a
 * second and each delivery carries its own signature, so nothing of the page stack applies.
 *
 * What does not change: the checks and their order (415 media type, 413 size, then the use-case:
 * 404 source, 401 signature or stale, 400 malformed, 503 keys unreachable), each refusal's status
 * and RFC 9457 problem document (built by the same `problemOf` as the express error handler), the
 * 202 only after the inbox commit, the request id, the security headers and the HTTP metrics.
 * Express mounts the same `deliver` (createEventIntakeRouter), so both paths are one code.
 */

/** Body limits: Canvas truncates submission bodies and descriptions to 8 KiB, so 256 KiB is ample. */
export const EVENT_BODY_LIMITS = { canvas: '256kb', moodle: '64kb', api: '16kb' } as const;

export type SignedEventKind = 'moodle' | 'canvas';

const LIMIT_BYTES: Record<SignedEventKind, number> = { moodle: kib(EVENT_BODY_LIMITS.moodle), canvas: kib(EVENT_BODY_LIMITS.canvas) };

/** Accepted media types: Canvas's is undocumented (and may be absent); the Moodle plugin sends JSON. */
export const SIGNED_MEDIA_TYPES: Record<SignedEventKind, { allowed: string[]; optional: boolean }> = {
  canvas: { allowed: ['application/jwt', 'application/json', 'text/plain', 'application/octet-stream'], optional: true },
  moodle: { allowed: ['application/json'], optional: false },
};

/** The metrics route label of each kind: the pattern express would report, never the raw path. */
export const SIGNED_ROUTES: Record<SignedEventKind, string> = { moodle: '/events/moodle/:sourceId', canvas: '/events/canvas/:sourceId' };

export interface SignedIntakeOptions {
  /** Records each answer in the app's HTTP metrics (createMetrics().record). Default: not recorded. */
  record?: (props: { method: string; route: string; status: number; seconds: number }) => void;
  /** Length of one aggregated access-log window, in ms. Default 10 s. */
  accessLogWindowMs?: number;
}

export interface SignedIntake {
  /**
   * Answers `POST /events/(moodle|canvas)/:sourceId` and returns true; returns false, touching
   * nothing, for any other request (express handles those).
   */
  dispatch(req: IncomingMessage, res: ServerResponse): boolean;
  /** Answers one delivery whose route is already matched (the express mounting). */
  deliver(kind: SignedEventKind, sourceId: string, req: IncomingMessage, res: ServerResponse): Promise<void>;
}

// The shapes express's `/events/<kind>/:sourceId` matches without decoding: case-insensitive, an
// optional trailing slash, any query. Anything else (percent-encoded ids, absolute URLs) is left to
// the express route, which calls the same `deliver`.
const ROUTE = /^\/events\/(moodle|canvas)\/([A-Za-z0-9._~-]+)\/?(?:\?.*)?$/i;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The caller's request id when it looks like one (it is echoed and logged), otherwise a new one. */
export function requestIdOf(given: string | string[] | undefined): string {
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Headers for machine answers: nothing here is a page, so nothing may frame, run or sniff it. */
export function intakeHeaderList(baseUrl: string): string[] {
  return [
    'Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'",
    'X-Content-Type-Options', 'nosniff',
    'Cache-Control', 'no-store',
    'Referrer-Policy', 'no-referrer',
    ...(baseUrl.startsWith('https:') ? ['Strict-Transport-Security', 'max-age=31536000; includeSubDomains'] : []),
  ];
}

/** ERR_UNSUPPORTED_MEDIA_TYPE unless the Content-Type header names one of `allowed` (or is absent and optional). */
export function mediaTypeRefusal(header: string | undefined, allowed: readonly string[], options: { optional?: boolean } = {}): LaurelError | undefined {
  const type = header?.split(';')[0]?.trim().toLowerCase();
  if (!type && options.optional) return undefined;
  if (type && allowed.includes(type)) return undefined;
  return new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', `Send the event as ${allowed.join(' or ')}${type ? `, not ${type}` : ''}.`);
}

export function createSignedIntake(ctx: Pick<AppContext, 'config' | 'database' | 'queues' | 'logger'> & Partial<Pick<AppContext, 'redis'>>, options: SignedIntakeOptions = {}): SignedIntake {
  const headers = intakeHeaderList(ctx.config.BASE_URL);
  const access = new AccessSummary(ctx.logger, { windowMs: options.accessLogWindowMs ?? 10_000 });

  const send = (res: ServerResponse, props: { status: number; type: string; body: string; requestId: string; close?: boolean }) => {
    const list = [...headers, 'X-Request-Id', props.requestId, 'Content-Type', props.type, 'Content-Length', String(Buffer.byteLength(props.body))];
    // A refused oversized body was read off already; closing spares a client that keeps sending.
    if (props.close) list.push('Connection', 'close');
    res.writeHead(props.status, list);
    res.end(props.body);
  };

  const ingest = async (kind: SignedEventKind, sourceId: string, req: IncomingMessage): Promise<IngestResult> => {
    const media = SIGNED_MEDIA_TYPES[kind];
    const refused = mediaTypeRefusal(req.headers['content-type'], media.allowed, { optional: media.optional });
    if (refused) throw refused;
    const body = await readBody(req, LIMIT_BYTES[kind]);
    const now = new Date();
    if (kind === 'canvas') return ingestCanvasDelivery(ctx, { sourceId, body, now });
    // Raw bytes: the HMAC covers exactly what was sent, so nothing is re-serialised.
    const timestamp = req.headers[MOODLE_TIMESTAMP_HEADER];
    const signature = req.headers[MOODLE_SIGNATURE_HEADER];
    return ingestMoodleDelivery(ctx, {
      sourceId, body, now,
      timestamp: typeof timestamp === 'string' ? timestamp : undefined,
      signature: typeof signature === 'string' ? signature : undefined,
    });
  };

  const deliver = async (kind: SignedEventKind, sourceId: string, req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    let status: number;
    try {
      const result = await ingest(kind, sourceId, req);
      status = 202;
      send(res, { status, type: 'application/json; charset=utf-8', body: JSON.stringify(result), requestId });
      if (ctx.logger.isLevelEnabled('debug')) ctx.logger.debug({ reqId: requestId, url: req.url, ...result }, 'event accepted');
    } catch (error) {
      const problem = problemOf(error, requestId);
      status = problem.status;
      logProblem(ctx.logger.child({ req: { id: requestId, method: req.method, url: req.url } }), problem);
      // The body of a refused request is read off first (as body-parser does), so the answer is seen.
      await drain(req);
      if (!res.headersSent) send(res, { status, type: 'application/problem+json; charset=utf-8', body: JSON.stringify(problem.document), requestId, close: status === 413 });
      else res.end();
    }
    const seconds = (performance.now() - started) / 1000;
    options.record?.({ method: 'POST', route: SIGNED_ROUTES[kind], status, seconds });
    access.add({ route: SIGNED_ROUTES[kind], status, seconds });
  };

  return {
    deliver,
    dispatch(req, res) {
      if (req.method !== 'POST') return false;
      const match = ROUTE.exec(req.url ?? '');
      if (!match) return false;
      void deliver(match[1]!.toLowerCase() as SignedEventKind, match[2]!, req, res);
      return true;
    },
  };
}

/**
 * The request body, at most `limit` bytes after decoding (gzip and deflate are decoded, as
 * body-parser did; another Content-Encoding is 415). A declared length over the limit is refused
 * before reading.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate') {
    return Promise.reject(new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${encoding.slice(0, 40)} is not accepted (identity, gzip or deflate).`));
  }
  const declared = req.headers['content-length'];
  if (encoding === 'identity' && declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onBroken);
      req.removeListener('close', onBroken);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      stop();
      reject(tooLarge(limit));
    };
    const onEnd = () => {
      stop();
      const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      try {
        resolve(encoding === 'identity' ? raw : decode(raw, encoding, limit));
      } catch (error) {
        reject(error);
      }
    };
    const onBroken = () => {
      stop();
      reject(new LaurelError('ERR_MALFORMED', 'The request body was not received completely.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onBroken);
    req.on('close', onBroken);
  });
}

function decode(raw: Buffer, encoding: 'gzip' | 'deflate', limit: number): Buffer {
  try {
    return encoding === 'gzip' ? gunzipSync(raw, { maxOutputLength: limit }) : inflateSync(raw, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) throw tooLarge(limit);
    throw new LaurelError('ERR_MALFORMED', `The ${encoding} body could not be decoded.`, { cause: error });
  }
}

/** Reads off what is left of a refused request, so the client sees the answer on a kept-alive connection. */
function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    req.once('end', resolve);
    req.once('close', resolve);
    req.once('error', resolve);
    req.resume();
  });
}

function tooLarge(limit: number): LaurelError {
  return new LaurelError('ERR_PAYLOAD_TOO_LARGE', `The event body is larger than ${Math.round(limit / 1024)} KiB.`);
}

/** '64kb' -> 65536 (the express spelling of EVENT_BODY_LIMITS, kept because tests and docs quote it). */
function kib(limit: string): number {
  const match = /^(\d+)kb$/i.exec(limit);
  if (!match) throw new TypeError(`body limit ${limit} must be written as <n>kb`);
  return Number(match[1]) * 1024;
}
