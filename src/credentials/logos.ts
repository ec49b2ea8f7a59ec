import { createHash } from 'node:crypto';
import type { AnyDb } from '../db';
import { on } from './keys';

/**
 * Issuer logos (table `issuer_logos`): the bytes behind an issuer's image URL, served from
 * /issuers/<id>/logo. Callers validate and sanitise the image first (one image validation).
 */

export interface IssuerLogo {
  mime: string;
  bytes: Buffer;
}

export function issuerLogo(db: AnyDb, issuerId: string): Promise<IssuerLogo | undefined> {
  return on(db).selectFrom('issuer_logos').select(['mime', 'bytes']).where('issuer_id', '=', issuerId).executeTakeFirst();
}

/** Stores (or replaces) the logo; answers the image URL to put on the issuer profile. */
export async function setIssuerLogo(db: AnyDb, props: { issuerId: string; logo: IssuerLogo; baseUrl: string; now: Date }): Promise<string> {
  const { mime, bytes } = props.logo;
  await on(db).insertInto('issuer_logos').values({ issuer_id: props.issuerId, mime, bytes, updated_at: props.now })
    .onConflict((oc) => oc.column('issuer_id').doUpdateSet({ mime, bytes, updated_at: props.now })).execute();
  // A version in the URL: credentials issued from now on name this logo, caches fetch it afresh.
  return `${props.baseUrl}/issuers/${props.issuerId}/logo?v=${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

export async function removeIssuerLogo(db: AnyDb, issuerId: string): Promise<void> {
  await on(db).deleteFrom('issuer_logos').where('issuer_id', '=', issuerId).execute();
}
