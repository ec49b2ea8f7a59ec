import { z } from 'zod';
import { sharedSecret, sourceHttpUrl, sourceName } from '../events';

/** The console's event-source forms (views/partials/admin-sources.hbs), built from the events module's source schema. */

// In the console an empty field means "generate one for me" (an HTML form always sends the field).
export const moodleSourceForm = z.object({ name: sourceName, secret: z.union([z.literal('').transform(() => undefined), sharedSecret]).optional() });

export const canvasSourceForm = z.object({
  name: sourceName,
  jwksUrl: sourceHttpUrl('Enter the JWKS address as a web address starting with https://.'),
  // A checkbox: present ("on") when ticked.
  allowUnsigned: z.literal('on').optional().transform((v) => v === 'on'),
});

export const subscriptionForm = z.object({
  accountId: z.string().trim().min(1, 'Enter the Canvas account id (the root account, often 1).').max(100).regex(/^[A-Za-z0-9_:~-]+$/, 'Use the account id as Canvas shows it (digits, or an LTI context id).'),
  apiBase: sourceHttpUrl("Enter your Canvas address, e.g. https://school.instructure.com."),
  format: z.enum(['live-event', 'caliper'], { message: 'Choose Canvas or Caliper format.' }),
});

/** Field-level messages of a failed form parse, first message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) errors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return errors;
}
