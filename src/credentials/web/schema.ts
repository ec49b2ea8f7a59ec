import { z } from 'zod';

/** `POST /api/v1/verify` JSON body: the credential as an object, a compact JWS, or JSON text. */
export const verifyBody = z.object({
  credential: z.union([z.string().min(1).max(1024 * 1024), z.record(z.string(), z.unknown())]),
});
export type VerifyBody = z.infer<typeof verifyBody>;

/** Issuer slugs and status list ids as they appear in URLs. */
export const issuerSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/);
export const listId = z.uuid();

/** The public verification page's form after multipart parsing: pasted text and/or one uploaded file. */
export const verifyPageForm = z.object({
  text: z.string().max(1024 * 1024).optional(),
  file: z.instanceof(Buffer).optional(),
});
