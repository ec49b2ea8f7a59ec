import { publicRoute } from '../../http';
import busboy from 'busboy';
import { Router, type Request, type RequestHandler } from 'express';
import { LaurelError, isLaurelError } from '../../errors';
import { handle } from '../../http';
import { renderPage } from '../../http';
import type { Verifier } from '../verifier';
import { explainVerification } from '../verify/explain';
import { MAX_CREDENTIAL_BYTES } from '../verify/input';
import { verifyPageForm } from './schema';

/** Largest badge image the page reads (the API allows the same). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

interface VerifyForm {
  text?: string;
  file?: Buffer;
}

/**
 * The public verification page: anyone pastes a credential or uploads a baked badge, and sees the
 * verdict with, for each check, what it established and what it could not (DESIGN 9, issue 12).
 * Nothing submitted is stored; the credential is shown back only through escaped templates.
 */
export function createVerifyPageRouter(verifierOf: () => Promise<Verifier>, limit: RequestHandler): Router {
  const router = Router();
  const page = { title: 'Verify a credential', description: 'Verify an Open Badges 3.0 or CLR 2.0 credential: signatures, issuer key, schema, dates and revocation status.' };

  router.get('/verify', publicRoute(), limit, (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    renderPage(res, 'verify', page);
  });

  router.post('/verify', publicRoute(), limit, handle(async (req, res) => {
    res.set('Cache-Control', 'no-store');
    const form = await readForm(req);
    const input = form.file ?? form.text;
    const shown = form.file ? '' : (form.text ?? '').slice(0, 64 * 1024);
    if (!input || (typeof input === 'string' && !input.trim())) {
      return renderPage(res.status(422), 'verify', { ...page, input: shown, error: 'Paste a credential or choose a file.' });
    }
    try {
      const result = await (await verifierOf())(input);
      const name = typeof result.credential?.name === 'string' ? result.credential.name.slice(0, 200) : undefined;
      renderPage(res, 'verify', { ...page, input: shown, credentialName: name, result: explainVerification(result) });
    } catch (error) {
      if (!isLaurelError(error, 'ERR_CREDENTIAL_INVALID')) throw error;
      renderPage(res.status(422), 'verify', { ...page, input: shown, error: `This is not a readable credential: ${error.message}` });
    }
  }));

  return router;
}

/** The form: multipart (text field `credential`, file field `file`), bounded in every part. */
function readForm(req: Request): Promise<VerifyForm> {
  if (!req.is('multipart/form-data')) return Promise.reject(new LaurelError('ERR_UNSUPPORTED_MEDIA_TYPE', 'Send the form as multipart/form-data'));
  return new Promise((resolve, reject) => {
    const form: VerifyForm = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 2, fieldSize: MAX_CREDENTIAL_BYTES, fileSize: MAX_FILE_BYTES, parts: 3 } });
    } catch (error) {
      return reject(new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error }));
    }
    let tooLarge = false;
    let pending = 0;
    let closed = false;
    const settle = () => {
      if (!closed || pending > 0) return;
      if (tooLarge) return reject(new LaurelError('ERR_PAYLOAD_TOO_LARGE', `The file is larger than ${MAX_FILE_BYTES / (1024 * 1024)} MB.`));
      const parsed = verifyPageForm.safeParse(form);
      if (!parsed.success) return reject(new LaurelError('ERR_MALFORMED', 'The form could not be read.'));
      resolve(parsed.data);
    };
    parser.on('field', (name, value, info) => {
      if (name !== 'credential') return;
      if (info.valueTruncated) tooLarge = true;
      form.text = value;
    });
    parser.on('file', (name, stream) => {
      pending += 1;
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (name === 'file') chunks.push(chunk);
      });
      stream.on('limit', () => {
        tooLarge = true;
      });
      stream.on('end', () => {
        pending -= 1;
        const bytes = Buffer.concat(chunks);
        if (name === 'file' && bytes.length > 0) form.file = bytes;
        settle();
      });
    });
    parser.on('error', (error: unknown) => reject(new LaurelError('ERR_MALFORMED', 'The form could not be read.', { cause: error })));
    parser.on('close', () => {
      closed = true;
      settle();
    });
    req.pipe(parser);
  });
}
