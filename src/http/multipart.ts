import busboy from 'busboy';
import express, { type RequestHandler, type Response } from 'express';
import { LaurelError } from '../errors';

/** A form post parsed into text fields (repeated names kept as arrays) and at most a few small files. */
export interface ParsedForm {
  fields: Record<string, string | string[]>;
  files: Record<string, UploadedFile>;
  /** Files refused for their size, by field name: the message to show next to that field. */
  uploadErrors: Record<string, string>;
}

export interface UploadedFile {
  name: string;
  type: string;
  bytes: Buffer;
}

export interface MultipartOptions {
  /** Largest file kept, per file field, in bytes. A larger file is dropped and reported (the rest of the form is kept). */
  limitBytes: number;
  /** How each file field is called in messages ("The image is 3.2 MB..."). Default "file". */
  nouns?: Record<string, string>;
}

// Bytes of an oversized file are counted (to say how large it was) and thrown away, up to this much;
// a request larger than ABORT_BYTES is cut off with a plain 413, as nobody fills a form with that.
const COUNT_UP_TO_BYTES = 64 * 1024 * 1024;
const ABORT_BYTES = 80 * 1024 * 1024;

/**
 * Multipart forms (badge image, issuer logo, gradebook CSV). Streamed with busboy so an oversized
 * file does not cost its size in memory and, unlike a body-size limit (a bare 413 page), the form
 * can be shown again with what was typed and a message on the file field. Puts the fields on
 * `req.body`, the files on `res.locals.files` and size refusals on `res.locals.uploadErrors`.
 * Non-multipart posts (no file chosen, script-free browsers) fall through to urlencoded parsing.
 */
export function multipartForm(options: MultipartOptions): RequestHandler[] {
  return [
    (req, res, next) => {
      res.locals.files = {};
      res.locals.uploadErrors = {};
      if (!req.is('multipart/form-data')) return next();
      parse(req, options)
        .then((form) => {
          req.body = form.fields;
          res.locals.files = form.files;
          res.locals.uploadErrors = form.uploadErrors;
          next();
        })
        .catch((error: unknown) => next(error instanceof LaurelError ? error : new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error })));
    },
    express.urlencoded({ extended: false, limit: '64kb' }),
  ];
}

/** The files and size refusals `multipartForm` found (empty for a post without files). */
export function uploadsOf(res: Response): { files: Record<string, UploadedFile>; uploadErrors: Record<string, string> } {
  return { files: (res.locals.files ?? {}) as Record<string, UploadedFile>, uploadErrors: (res.locals.uploadErrors ?? {}) as Record<string, string> };
}

/** "3.2 MB", "512 KB", "900 bytes". */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${trim(bytes / (1024 * 1024))} MB`;
  if (bytes >= 1024) return `${trim(bytes / 1024)} KB`;
  return `${bytes} bytes`;
}
const trim = (n: number) => (Math.round(n * 10) / 10).toString();

export function tooLargeMessage(props: { noun: string; size: number; limit: number; truncated?: boolean }): string {
  return `The ${props.noun} is ${props.truncated ? 'larger than ' : ''}${formatBytes(props.size)}; the limit is ${formatBytes(props.limit)}.`;
}

function parse(req: express.Request, options: MultipartOptions): Promise<ParsedForm> {
  return new Promise((resolve, reject) => {
    const form: ParsedForm = { fields: {}, files: {}, uploadErrors: {} };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: COUNT_UP_TO_BYTES, files: 5, fields: 200, fieldSize: 64 * 1024, parts: 210 } });
    } catch (error) {
      return reject(new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error }));
    }
    let received = 0;
    let failed = false;
    // Resolved once the parser is done and every file stream has ended (their last chunks may trail).
    let openFiles = 0;
    let parserClosed = false;
    const settle = () => {
      if (!failed && parserClosed && openFiles === 0) resolve(form);
    };
    const fail = (error: LaurelError) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > ABORT_BYTES) fail(new LaurelError('ERR_PAYLOAD_TOO_LARGE', `The upload is larger than ${formatBytes(ABORT_BYTES)}.`));
    });
    parser.on('field', (name, value) => {
      const existing = form.fields[name];
      form.fields[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    });
    parser.on('file', (name, stream, info) => {
      openFiles += 1;
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (chunk: Buffer) => {
        size += chunk.length;
        // Past the limit, keep counting but stop keeping: memory stays bounded by the limit.
        if (size <= options.limitBytes) chunks.push(chunk);
      });
      stream.on('end', () => {
        openFiles -= 1;
        if (size > options.limitBytes) {
          const noun = options.nouns?.[name] ?? 'file';
          form.uploadErrors[name] = tooLargeMessage({ noun, size, limit: options.limitBytes, truncated: (stream as unknown as { truncated?: boolean }).truncated === true });
        } else if (size > 0) {
          form.files[name] = { name: info.filename ?? '', type: info.mimeType, bytes: Buffer.concat(chunks) };
        }
        settle();
      });
    });
    parser.on('error', (error: unknown) => fail(new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error })));
    parser.on('close', () => {
      parserClosed = true;
      settle();
    });
    req.pipe(parser);
  });
}

/**
 * Replaces a form's "choose a file" message by the size refusal when the chosen file was dropped
 * for its size (only where the form already reports that field, i.e. where the file was needed).
 */
export function explainMissingUploads(errors: Record<string, string>, res: Response): void {
  for (const [field, message] of Object.entries(uploadsOf(res).uploadErrors)) if (errors[field] !== undefined) errors[field] = message;
}
