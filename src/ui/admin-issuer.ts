import { z } from 'zod';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { getIssuer, removeIssuerLogo, setIssuerLogo, upsertIssuer, type Issuer } from '../credentials';
import { LaurelError } from '../errors';
import { checkImage } from '../images';

/**
 * Issuer profile editing: name, description, web site, email and logo. The logo is validated and
 * sanitised by the one image check (src/images: PNG or JPEG by magic bytes, SVG stripped of script and external
 * references), stored in `issuer_logos` and served from /issuers/<id>/logo; the issuer's image URL
 * points there, so the public profile and credentials issued from now on carry it.
 */

export const issuerForm = z.object({
  name: z.string().trim().min(1, 'Enter the institution name shown on every badge.').max(300, 'Use at most 300 characters.'),
  description: z.string().trim().max(2000, 'Use at most 2000 characters.'),
  url: z.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'Enter a web address starting with https://.' }).max(2000)]),
  email: z.union([z.literal(''), z.email('Enter an email address like badges@example.edu.').max(320)]),
  removeLogo: z.boolean(),
});

type IssuerFields = 'name' | 'description' | 'url' | 'email';
export interface IssuerFormPost {
  id: string;
  errors: Record<string, string>;
  values: Record<IssuerFields, string>;
}

export function readIssuerForm(body: Record<string, unknown>): Record<IssuerFields, string> & { removeLogo: boolean } {
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');
  return { name: str('name'), description: str('description'), url: str('url').trim(), email: str('email').trim(), removeLogo: body.removeLogo === 'on' };
}

export type IssuerSaveOutcome = { ok: true; issuer: Issuer } | { ok: false; errors: Record<string, string> };

/** Validates and saves the profile (and logo); field errors instead when something is wrong. */
export async function saveIssuerProfile(ctx: Pick<AppContext, 'config' | 'database'>, props: {
  issuerId: string; posted: ReturnType<typeof readIssuerForm>; logo?: { bytes: Buffer }; uploadError?: string; actor: string; platformId: string | null; now: Date;
}): Promise<IssuerSaveOutcome> {
  const db = ctx.database.db;
  const issuer = await getIssuer(db, props.issuerId);
  if (!issuer) throw new LaurelError('ERR_NOT_FOUND', 'No issuer has this id.');
  const errors: Record<string, string> = {};
  const parsed = issuerForm.safeParse(props.posted);
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0])] ??= issue.message;
  if (props.uploadError) errors.logoFile = props.uploadError;
  let logo: { mime: string; bytes: Buffer } | undefined;
  if (props.logo && !props.uploadError) {
    try {
      // A logo is not baked, so a JPEG will do too.
      logo = checkImage(props.logo.bytes, { accept: ['image/png', 'image/jpeg', 'image/svg+xml'], field: 'logoFile' });
    } catch (error) {
      if (!(error instanceof LaurelError)) throw error;
      errors.logoFile = error.message.replace(/^The image/, 'The logo');
    }
  }
  if (!parsed.success || Object.keys(errors).length) return { ok: false, errors };
  const f = parsed.data;
  let imageUrl = issuer.image_url;
  if (logo) {
    imageUrl = await setIssuerLogo(db, { issuerId: issuer.id, logo, baseUrl: ctx.config.BASE_URL, now: props.now });
  } else if (f.removeLogo) {
    await removeIssuerLogo(db, issuer.id);
    imageUrl = null;
  }
  const saved = await upsertIssuer(db, ctx.config, {
    id: issuer.id, name: f.name,
    ...(f.url ? { url: f.url } : {}), ...(f.email ? { email: f.email } : {}), ...(f.description ? { description: f.description } : {}),
    ...(imageUrl ? { imageUrl } : {}), ...(issuer.platform_id ? { platformId: issuer.platform_id } : {}),
  }, props.now);
  await audit(db, { actor: props.actor, action: 'issuer.updated', subjectType: 'issuer', subjectId: issuer.id, platformId: props.platformId, details: { name: f.name, url: f.url, email: f.email, description: f.description ? 'set' : 'empty', logo: logo ? logo.mime : f.removeLogo ? 'removed' : 'unchanged' } });
  return { ok: true, issuer: saved };
}

export function issuerFormView(issuer: Issuer, posted?: IssuerFormPost) {
  const values = posted?.values ?? { name: issuer.name, description: issuer.description ?? '', url: issuer.url ?? '', email: issuer.email ?? '' };
  const field = (fieldName: IssuerFields, label: string, type: string, required: boolean, more: Record<string, unknown> = {}) => ({
    id: `issuer-${issuer.id}-${fieldName}`, fieldName, label, type, required, optional: !required,
    f: { value: values[fieldName], error: posted?.errors[fieldName] }, ...more,
  });
  return {
    open: Boolean(posted),
    fields: [
      field('name', 'Institution name', 'text', true),
      field('description', 'Description', 'text', false, { multiline: true }),
      field('url', 'Web site', 'url', false),
      field('email', 'Contact email', 'email', false),
    ],
    logo: { id: `issuer-${issuer.id}-logoFile`, error: posted?.errors.logoFile, current: issuer.image_url },
  };
}
