import { z } from 'zod';
import type { AppContext } from '../context';
import type { Platform } from '../courses';
import { activatePlatform, listPlatforms, PgLtiStore, registerPlatform, toolUrlsOf, type ToolUrls } from '../lti';

/** Manual registration of an LMS that does not use Dynamic Registration (the same path as `laurel platform add`). */
const url = (what: string) => z.url({ protocol: /^https?$/, message: `Enter the ${what} as a web address starting with https://.` }).max(2000);

export const platformForm = z.object({
  name: z.string().trim().min(1, 'Enter a name that tells this LMS apart, e.g. "Biology Moodle".').max(200),
  lms: z.enum(['canvas', 'moodle', 'other'], { message: 'Choose the kind of LMS.' }),
  issuer: url('issuer (the platform id its launches carry)'),
  clientId: z.string().trim().min(1, 'Enter the client id the LMS gave Laurel.').max(200),
  authEndpoint: url('authentication request URL'),
  tokenEndpoint: url('access token URL'),
  jwksUrl: url('public keyset URL'),
  deploymentIds: z
    .string()
    .transform((s) => s.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(z.string().max(200)).min(1, 'Enter at least one deployment id (launches from other deployments are refused).')),
});

type Field = keyof z.input<typeof platformForm>;
export type PlatformFormValues = Record<Field, string>;

const FIELDS: { name: Field; label: string; type?: string; hint?: string }[] = [
  { name: 'name', label: 'Name' },
  { name: 'issuer', label: 'Issuer (platform id)', type: 'url', hint: 'Moodle: the site address. Canvas: https://canvas.instructure.com.' },
  { name: 'clientId', label: 'Client id' },
  { name: 'authEndpoint', label: 'Authentication request URL', type: 'url' },
  { name: 'tokenEndpoint', label: 'Access token URL', type: 'url' },
  { name: 'jwksUrl', label: 'Public keyset URL', type: 'url' },
  { name: 'deploymentIds', label: 'Deployment ids', hint: 'Separated by commas or spaces.' },
];

export function emptyPlatformForm(): PlatformFormValues {
  return { name: '', lms: 'moodle', issuer: '', clientId: '', authEndpoint: '', tokenEndpoint: '', jwksUrl: '', deploymentIds: '' };
}

/** The form's fields for the ui-field partial, with values and field-level errors. */
export function platformFormView(values: PlatformFormValues, errors: Partial<Record<Field, string>> = {}) {
  return {
    open: Object.keys(errors).length > 0,
    lms: ['moodle', 'canvas', 'other'].map((value) => ({ value, selected: values.lms === value })),
    lmsError: errors.lms,
    fields: FIELDS.map((f) => ({ id: `platform-${f.name}`, fieldName: f.name, label: f.label, type: f.type ?? 'text', hint: f.hint, required: true, f: { value: values[f.name], error: errors[f.name] } })),
  };
}

export function readPlatformForm(body: Record<string, unknown>): PlatformFormValues {
  const values = emptyPlatformForm();
  for (const key of Object.keys(values) as Field[]) values[key] = typeof body[key] === 'string' ? (body[key] as string).trim() : '';
  return values;
}

export type PlatformFormOutcome =
  | { ok: false; errors: Partial<Record<Field, string>> }
  | { ok: true; platform: Platform; toolUrls: ToolUrls };

/** Validates and registers; returns field errors instead when the form is not valid. */
export async function registerPlatformFromForm(ctx: AppContext, values: PlatformFormValues, actor: string): Promise<PlatformFormOutcome> {
  const parsed = platformForm.safeParse(values);
  if (!parsed.success) return { ok: false, errors: Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])) };
  const store = new PgLtiStore(ctx.database.db);
  await store.setup();
  const platform = await registerPlatform(
    { db: ctx.database.db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY },
    { ...parsed.data, status: 'active', details: { registeredBy: actor, registeredAt: new Date().toISOString() } },
  );
  return { ok: true, platform, toolUrls: toolUrlsOf(ctx.config.BASE_URL, parsed.data.lms) };
}

/**
 * Activates a platform whose registration waits for an administrator ("pending": Laurel refuses its
 * launches until then). Only a pending platform can be activated: a removed one lost its tool keys
 * and must register again. The status check and the change are one conditional UPDATE, so a platform
 * removed meanwhile is not brought back; the audit entry commits with it.
 */
export async function activatePlatformFromConsole(ctx: AppContext, props: { platformId: string; actor: string; sessionPlatformId: string | null; now: Date }): Promise<Platform> {
  return activatePlatform(ctx.database.db, { platformId: props.platformId, actor: props.actor, now: props.now, auditPlatformId: props.sessionPlatformId });
}

/** True when the platform exists and waits for activation (shown to every LMS administrator). */
export async function isPendingPlatform(ctx: AppContext, platformId: string): Promise<boolean> {
  return (await listPlatforms(ctx.database.db)).some((p) => p.id === platformId && p.status === 'pending');
}

/** True when a platform with this id exists (any status). */
export async function platformExists(ctx: Pick<AppContext, 'database'>, platformId: string): Promise<boolean> {
  return (await listPlatforms(ctx.database.db)).some((p) => p.id === platformId);
}
