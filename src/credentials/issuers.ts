import type { Kysely, Selectable } from 'kysely';
import type { Config } from '../config';
import { inTransaction } from '../db';
import { LaurelError } from '../errors';
import type { IssuerProfile } from './builder';
import { buildDidDocument, didWebFor, type DidDocument } from './did';
import { insertKey, keyEncryptionKey, listKeys, on } from './keys';
import type { CredentialTables, KeyAlgorithm } from './tables';

export type Issuer = Selectable<CredentialTables['credential_issuers']>;
export const DEFAULT_ISSUER_ID = 'default';
const ALGORITHMS: KeyAlgorithm[] = ['Ed25519', 'RS256'];

export interface IssuerProps {
  /** Slug (`[a-z0-9-]`); becomes part of the did:web and of `/issuers/<id>`. */
  id: string;
  name: string;
  url?: string;
  email?: string;
  description?: string;
  imageUrl?: string;
  platformId?: string;
}

/**
 * The installation's issuer (did:web of the BASE_URL host) with one active Ed25519 and one active
 * RSA key. Idempotent: safe to run on every `laurel bootstrap` and from concurrent processes.
 */
export async function ensureDefaultIssuer<T>(db: Kysely<T>, config: Config, now = new Date()): Promise<Issuer> {
  const did = didWebFor(config.BASE_URL);
  await on(db)
    .insertInto('credential_issuers')
    .values({ id: DEFAULT_ISSUER_ID, did, name: config.ISSUER_NAME ?? new URL(config.BASE_URL).host, url: config.BASE_URL, email: null, description: null, image_url: null, platform_id: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const issuer = await getIssuer(db, DEFAULT_ISSUER_ID);
  if (!issuer) throw new Error('default issuer vanished');
  await ensureKeys(db, issuer, config, now);
  return issuer;
}

/** Creates (or updates the profile of) an extra issuer with a path-based did:web, with keys. */
export async function upsertIssuer<T>(db: Kysely<T>, config: Config, props: IssuerProps, now = new Date()): Promise<Issuer> {
  const did = props.id === DEFAULT_ISSUER_ID ? didWebFor(config.BASE_URL) : didWebFor(config.BASE_URL, ['issuers', props.id]);
  const values = {
    name: props.name,
    url: props.url ?? null,
    email: props.email ?? null,
    description: props.description ?? null,
    image_url: props.imageUrl ?? null,
    platform_id: props.platformId ?? null,
  };
  const issuer = await on(db)
    .insertInto('credential_issuers')
    .values({ id: props.id, did, ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: now }))
    .returningAll()
    .executeTakeFirstOrThrow();
  await ensureKeys(db, issuer, config, now);
  return issuer;
}

async function ensureKeys<T>(db: Kysely<T>, issuer: Issuer, config: Config, now: Date): Promise<void> {
  const kek = keyEncryptionKey(config);
  for (const algorithm of ALGORITHMS) {
    const active = await on(db)
      .selectFrom('signing_keys')
      .select('id')
      .where('issuer_id', '=', issuer.id)
      .where('algorithm', '=', algorithm)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (active) continue;
    try {
      await insertKey(db, { issuerId: issuer.id, issuerDid: issuer.did, algorithm, kek, now });
    } catch (error) {
      // A concurrent bootstrap won the partial unique index: its key is the active one.
      if ((error as { code?: string }).code !== '23505') throw error;
    }
  }
}

export async function getIssuer<T>(db: Kysely<T>, id: string): Promise<Issuer | undefined> {
  return on(db).selectFrom('credential_issuers').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listIssuers<T>(db: Kysely<T>): Promise<Issuer[]> {
  return on(db).selectFrom('credential_issuers').selectAll().orderBy('created_at').execute();
}

/** The OB 3.0 Profile of an issuer; `id` is its did:web, so DI controller == issuer id. */
export function issuerProfile(issuer: Issuer, config: Pick<Config, 'BASE_URL'>): IssuerProfile {
  const profile: IssuerProfile = { id: issuer.did, type: ['Profile'], name: issuer.name, url: issuer.url ?? config.BASE_URL };
  if (issuer.email) profile.email = issuer.email;
  if (issuer.description) profile.description = issuer.description;
  if (issuer.image_url) profile.image = { id: issuer.image_url, type: 'Image' };
  return profile;
}

/** The HTTPS URL of an issuer's Profile page/document. */
export function issuerProfileUrl(issuer: Pick<Issuer, 'id'>, config: Pick<Config, 'BASE_URL'>): string {
  return `${config.BASE_URL}/issuers/${issuer.id}`;
}

export async function didDocument<T>(db: Kysely<T>, issuer: Issuer): Promise<DidDocument> {
  const keys = await listKeys(db, issuer.id);
  return buildDidDocument(issuer.did, keys);
}

/**
 * Retires the issuer's active keys and creates new ones in one transaction. Retired public keys stay
 * in the DID document and JWKS, so credentials signed before the rotation keep verifying.
 */
export async function rotateKeys<T>(db: Kysely<T>, issuerId: string, config: Config, now = new Date()): Promise<{ retired: string[]; created: string[] }> {
  const issuer = await getIssuer(db, issuerId);
  if (!issuer) throw new LaurelError('ERR_NOT_FOUND', `No issuer ${issuerId}`);
  const kek = keyEncryptionKey(config);
  return inTransaction(on(db), async (trx) => {
    const retired = await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: now })
      .where('issuer_id', '=', issuerId)
      .where('status', '=', 'active')
      .returning('id')
      .execute();
    const created: string[] = [];
    for (const algorithm of ALGORITHMS) created.push(await insertKey<CredentialTables>(trx, { issuerId, issuerDid: issuer.did, algorithm, kek, now }));
    return { retired: retired.map((r) => r.id), created };
  });
}
