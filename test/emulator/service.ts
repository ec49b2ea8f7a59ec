// Response helpers shared by the NRPS and AGS endpoints: media types, Moodle's escaped-slash JSON and its
// `{status, reason, request}` error bodies (with the reason also in the status line), Canvas's error shape.
import type { Request, Response } from 'express';
import type { Core } from './state';

export const MEDIA = {
  lineItem: 'application/vnd.ims.lis.v2.lineitem+json',
  lineItemContainer: 'application/vnd.ims.lis.v2.lineitemcontainer+json',
  resultContainer: 'application/vnd.ims.lis.v2.resultcontainer+json',
  score: 'application/vnd.ims.lis.v1.score+json',
  membership: 'application/vnd.ims.lti-nrps.v2.membershipcontainer+json',
  legacyMembership: 'application/vnd.ims.lis.v2.membershipcontainer+json',
} as const;

/** Sends JSON with an LTI media type. Moodle escapes slashes in GET answers (`http:\/\/`). */
export function sendMedia(core: Core, res: Response, status: number, mediaType: string, body: unknown, options: { escapeSlashes?: boolean } = {}): void {
  let text = JSON.stringify(body);
  if (core.profile === 'moodle' && options.escapeSlashes !== false) text = text.replace(/\//g, '\\/');
  res.status(status).set('Content-Type', `${mediaType}; charset=utf-8`).send(text);
}

/** Header values are byte strings: send UTF-8 text (Moodle's curly quotes) as its raw bytes. */
export function rawHeader(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}

/** Moodle service error: JSON `{status, reason, request}` (pretty-printed) and the reason as status text. */
export function moodleError(req: Request, res: Response, status: number, reason: string, mediaType = 'application/json'): void {
  const request: Record<string, string> = { method: req.method, url: req.originalUrl };
  if (req.method === 'GET' || req.method === 'DELETE') {
    const accept = req.get('accept');
    if (accept) request.accept = accept;
  } else {
    const contentType = req.get('content-type');
    if (contentType) request.contentType = contentType;
  }
  res.statusMessage = reason.replace(/[^\t\x20-\x7e]/g, '');
  res.status(status).set('Content-Type', `${mediaType}; charset=utf-8`).send(JSON.stringify({ status, reason, request }, null, 4));
}

export function canvasError(res: Response, status: number, type: string, message: string): void {
  res.status(status).json({ errors: { type, message } });
}

export function unauthorized(core: Core, req: Request, res: Response): void {
  if (core.profile === 'moodle') moodleError(req, res, 401, 'Unauthorized');
  else canvasError(res, 401, 'unauthorized', 'Invalid access token or scope');
}

export function notFound(core: Core, req: Request, res: Response, what: string): void {
  if (core.profile === 'moodle') moodleError(req, res, 404, `Not Found: ${what} doesn't exist`);
  else canvasError(res, 404, 'not_found', `${what} not found`);
}

/** Parses a non-negative integer query parameter. */
export function intParam(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
