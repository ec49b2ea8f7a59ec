import { z } from 'zod';

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1').optional();

/** GET /api/v1/learners/:id/clr */
export const learnerClrQuery = z.strictObject({
  courseId: z.uuid().optional(),
  issuerId: z.string().min(1).max(100).optional(),
  includeExpired: flag,
  /** `jwt` answers the compact JWS; default the JSON credential (also chosen by Accept). */
  format: z.enum(['json', 'jwt']).optional(),
});
export type LearnerClrQuery = z.infer<typeof learnerClrQuery>;

/** GET /api/v1/courses/:id/transcripts */
export const transcriptsQuery = z.strictObject({
  includeExpired: flag,
  /** Start a new export even when a finished one can still be downloaded. */
  refresh: flag,
});
export type TranscriptsQuery = z.infer<typeof transcriptsQuery>;

export const idParams = z.object({ id: z.uuid() });

/** Payload of the `transcripts.export-course` job (re-validated when a worker takes it). */
export const exportCoursePayload = z.strictObject({ exportId: z.uuid() });
export type ExportCoursePayload = z.infer<typeof exportCoursePayload>;

/** Query of a signed download link. */
export const downloadQuery = z.object({ expires: z.coerce.number().int().positive(), sig: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
