import { z } from 'zod';

/**
 * What an event source is made of, validated at every entry point: the admin API's bodies here, the
 * console's forms (src/ui/admin-source-forms.ts) from the same pieces.
 */

/** Canvas Data Services signs Live Events with the keys published here (the CLI's default too). */
export const CANVAS_LIVE_EVENTS_JWKS_URL = 'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks';

export const sourceName = z.string().trim().max(200, 'Use at most 200 characters.');
export const sourceHttpUrl = (message: string) => z.url({ protocol: /^https?$/, message }).max(2000);

/**
 * A Moodle shared secret someone chose (the plugin already has it). Never empty or blank: an empty HMAC
 * key would let anyone sign grade events. Left out, Laurel generates 256 random bits (recommended).
 */
export const sharedSecret = z
  .string({ error: 'secret must be a string' })
  .min(16, 'A shared secret needs at least 16 characters (leave it out and Laurel generates a strong one).')
  .max(512, 'Use at most 512 characters.')
  .regex(/^\S+$/, 'A shared secret cannot contain spaces.');

/** `POST /api/v1/event-sources`. */
export const createSourceBody = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('moodle'), name: sourceName.default(''), platformId: z.uuid().nullable().default(null), secret: sharedSecret.optional() }),
  z.object({
    kind: z.literal('canvas'),
    name: sourceName.default(''),
    platformId: z.uuid().nullable().default(null),
    jwksUrl: sourceHttpUrl('jwksUrl must be an http(s) URL').default(CANVAS_LIVE_EVENTS_JWKS_URL),
    allowUnsigned: z.boolean().default(false),
  }),
], { error: 'kind must be moodle or canvas' });
export type CreateSourceBody = z.infer<typeof createSourceBody>;
