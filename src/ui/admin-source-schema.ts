import { z } from 'zod';

/** Entry points of event-source administration: the console's forms and the admin API's bodies. */

/** Canvas Data Services signs Live Events with the keys published here (the CLI's default too). */
export const CANVAS_LIVE_EVENTS_JWKS_URL = 'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks';

const name = z.string().trim().max(200, 'Use at most 200 characters.');
const httpUrl = (message: string) => z.url({ protocol: /^https?$/, message }).max(2000);

/**
 * A Moodle shared secret someone chose (the plugin already has it). Never empty or blank: an empty HMAC
 * key would let anyone sign grade events. Left out, Laurel generates 256 random bits (recommended).
 */
export const sharedSecret = z
  .string({ error: 'secret must be a string' })
  .min(16, 'A shared secret needs at least 16 characters (leave it out and Laurel generates a strong one).')
  .max(512, 'Use at most 512 characters.')
  .regex(/^\S+$/, 'A shared secret cannot contain spaces.');

// In the console an empty field means "generate one for me" (an HTML form always sends the field).
export const moodleSourceForm = z.object({ name, secret: z.union([z.literal('').transform(() => undefined), sharedSecret]).optional() });

export const canvasSourceForm = z.object({
  name,
  jwksUrl: httpUrl('Enter the JWKS address as a web address starting with https://.'),
  // A checkbox: present ("on") when ticked.
  allowUnsigned: z.literal('on').optional().transform((v) => v === 'on'),
});

export const subscriptionForm = z.object({
  accountId: z.string().trim().min(1, 'Enter the Canvas account id (the root account, often 1).').max(100).regex(/^[A-Za-z0-9_:~-]+$/, 'Use the account id as Canvas shows it (digits, or an LTI context id).'),
  apiBase: httpUrl("Enter your Canvas address, e.g. https://school.instructure.com."),
  format: z.enum(['live-event', 'caliper'], { message: 'Choose Canvas or Caliper format.' }),
});

/** `POST /api/v1/event-sources`. */
export const createSourceBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('moodle'), name: name.default(''), platformId: z.uuid().nullable().default(null), secret: sharedSecret.optional() }),
  z.object({
    kind: z.literal('canvas'),
    name: name.default(''),
    platformId: z.uuid().nullable().default(null),
    jwksUrl: httpUrl('jwksUrl must be an http(s) URL').default(CANVAS_LIVE_EVENTS_JWKS_URL),
    allowUnsigned: z.boolean().default(false),
  }),
], { error: 'kind must be moodle or canvas' });
export type CreateSourceBody = z.infer<typeof createSourceBody>;

/** Field-level messages of a failed form parse, first message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}
