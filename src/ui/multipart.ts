import express, { type RequestHandler } from 'express';
import { LaurelError } from '../errors';

/** A form post parsed into text fields (repeated names kept as arrays) and at most a few small files. */
export interface ParsedForm {
  fields: Record<string, string | string[]>;
  files: Record<string, { name: string; type: string; bytes: Buffer }>;
}

/**
 * Multipart forms (the badge form has an image upload). The raw body is size-limited by express
 * before anything is parsed; parsing uses Node's built-in WHATWG `Request.formData()`, so no extra
 * dependency reads attacker-controlled bytes. Puts the fields on `req.body` and the files on
 * `res.locals.files`.
 */
export function multipartForm(props: { limitBytes: number }): RequestHandler[] {
  return [
    express.raw({ type: 'multipart/form-data', limit: props.limitBytes }),
    express.urlencoded({ extended: false, limit: '64kb' }),
    (req, res, next) => {
      if (!Buffer.isBuffer(req.body)) {
        res.locals.files = {};
        return next();
      }
      parse(req.body, String(req.get('content-type')))
        .then((form) => {
          req.body = form.fields;
          res.locals.files = form.files;
          next();
        })
        .catch((error: unknown) => next(new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error })));
    },
  ];
}

async function parse(body: Buffer, contentType: string): Promise<ParsedForm> {
  const data = await new Request('http://laurel.invalid/', { method: 'POST', headers: { 'content-type': contentType }, body }).formData();
  const form: ParsedForm = { fields: {}, files: {} };
  for (const [name, value] of data.entries()) {
    if (typeof value === 'string') {
      const existing = form.fields[name];
      form.fields[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
    } else if (value.size > 0) {
      form.files[name] = { name: value.name, type: value.type, bytes: Buffer.from(await value.arrayBuffer()) };
    }
  }
  return form;
}
