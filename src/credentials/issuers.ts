import type { Kysely, Selectable } from 'kysely';
import type { Config } from '../config';
import { inTransaction } from '../db';
import { LaurelError } from '../errors';
import type { IssuerProfile } from './builder';
import { buildDidDocument, didWebDocumentUrl, didWebFor, type DidDocument } from './did';
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

/** The did:web an issuer takes under `config.BASE_URL`: the bare host for the default issuer, a path for others. */
export function didFor(issuerId: string, config: Pick<Config, 'BASE_URL'>): string {
  return issuerId === DEFAULT_ISSUER_ID ? didWebFor(config.BASE_URL) : didWebFor(config.BASE_URL, ['issuers', issuerId]);
}

/**
 * The installation's issuer (did:web of the BASE_URL host) with one active Ed25519 and one active
 * RSA key. Created on first use, from the BASE_URL in force then (not at set-up: the operator sets the
 * real public origin afterwards); until it first issues it follows BASE_URL (see `followBaseUrl`).
 * Idempotent: safe from concurrent processes.
 */
export async function ensureDefaultIssuer<T>(db: Kysely<T>, config: Config, now = new Date()): Promise<Issuer> {
  await on(db)
    .insertInto('credential_issuers')
    .values({ id: DEFAULT_ISSUER_ID, did: didFor(DEFAULT_ISSUER_ID, config), name: config.ISSUER_NAME ?? new URL(config.BASE_URL).host, url: config.BASE_URL, email: null, description: null, image_url: null, platform_id: null })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const issuer = await getIssuer(db, DEFAULT_ISSUER_ID);
  if (!issuer) throw new Error('default issuer vanished');
  return followBaseUrl(db, issuer, config, now);
}

/** Creates (or updates the profile of) an extra issuer with a path-based did:web, with keys. */
export async function upsertIssuer<T>(db: Kysely<T>, config: Config, props: IssuerProps, now = new Date()): Promise<Issuer> {
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
    .values({ id: props.id, did: didFor(props.id, config), ...values })
    .onConflict((oc) => oc.column('id').doUpdateSet({ ...values, updated_at: now }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return followBaseUrl(db, issuer, config, now);
}

/**
 * The issuer, ready to sign its first (or next) credential: re-pointed at BASE_URL if it has issued
 * nothing yet, then marked as issuing, which fixes its DID for good (credentials signed under it must
 * stay verifiable). Call it before building the credential: the issuer id in the credential is its DID.
 */
export async function issuerForIssuing<T>(db: Kysely<T>, issuerId: string, config: Config, now = new Date()): Promise<Issuer> {
  const current = issuerId === DEFAULT_ISSUER_ID ? await ensureDefaultIssuer(db, config, now) : await getIssuer(db, issuerId);
  if (!current) throw new LaurelError('ERR_KEY_UNAVAILABLE', `No issuer ${issuerId}`);
  if (current.first_issued_at) return current;
  const issuer = await followBaseUrl(db, current, config, now);
  const frozen = await on(db)
    .updateTable('credential_issuers')
    .set({ first_issued_at: now })
    .where('id', '=', issuer.id)
    .where('first_issued_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return frozen ?? (await getIssuer(db, issuer.id)) ?? issuer;
}

/**
 * An issuer that has issued nothing takes the DID of the current BASE_URL: the row is locked, its DID
 * (and a profile name/url that were only the old host) rewritten, and its unused keys replaced by keys
 * named under the new DID. An issuer that has issued keeps its DID: `issuerIdentityDrift` reports it.
 */
export async function followBaseUrl<T>(db: Kysely<T>, issuer: Issuer, config: Config, now = new Date()): Promise<Issuer> {
  const target = didFor(issuer.id, config);
  if (issuer.first_issued_at || issuer.did === target) {
    await ensureKeys(db, issuer, config, now);
    return issuer;
  }
  const kek = keyEncryptionKey(config);
  const moved = await inTransaction(on(db), async (trx) => {
    const row = await trx.selectFrom('credential_issuers').selectAll().where('id', '=', issuer.id).forUpdate().executeTakeFirst();
    if (!row || row.first_issued_at || row.did === target) return row;
    const oldHost = didWebHost(row.did);
    const updated = await trx
      .updateTable('credential_issuers')
      .set({
        did: target,
        name: row.name === oldHost ? (row.id === DEFAULT_ISSUER_ID && config.ISSUER_NAME) || new URL(config.BASE_URL).host : row.name,
        url: row.url === null || urlHost(row.url) === oldHost ? (row.id === DEFAULT_ISSUER_ID ? config.BASE_URL : row.url) : row.url,
        updated_at: now,
      })
      .where('id', '=', row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    // These keys never signed (first_issued_at is null, and signing marks it first): nothing needs them.
    await trx.deleteFrom('signing_keys').where('issuer_id', '=', row.id).execute();
    for (const algorithm of ALGORITHMS) await insertKey<CredentialTables>(trx, { issuerId: row.id, issuerDid: target, algorithm, kek, now });
    return updated;
  });
  if (!moved) throw new Error(`issuer ${issuer.id} vanished`);
  await ensureKeys(db, moved, config, now);
  return moved;
}

/** An issuer that has issued under a DID the current BASE_URL no longer gives. */
export interface IssuerDrift {
  issuerId: string;
  /** The DID its credentials name (fixed at its first issue). */
  did: string;
  /** The DID BASE_URL would give it. */
  expectedDid: string;
  firstIssuedAt: Date;
  /** Where verifiers fetch its DID document, and where the current BASE_URL serves it. */
  didDocumentUrl: string;
  servedAt: string;
}

/** Issuers whose DID no longer matches BASE_URL although they have issued (their DID must not change). */
export async function issuerIdentityDrift<T>(db: Kysely<T>, config: Pick<Config, 'BASE_URL'>): Promise<IssuerDrift[]> {
  const issuers = await listIssuers(db);
  return issuers
    .filter((i) => i.first_issued_at && i.did !== didFor(i.id, config))
    .map((i) => {
      const expectedDid = didFor(i.id, config);
      return {
        issuerId: i.id,
        did: i.did,
        expectedDid,
        firstIssuedAt: i.first_issued_at!,
        didDocumentUrl: didWebDocumentUrl(i.did) ?? i.did,
        servedAt: didWebDocumentUrl(expectedDid) ?? expectedDid,
      };
    });
}

/** One line an operator can act on, for logs, /readyz, the console and `laurel doctor`. */
export function describeDrift(drift: IssuerDrift, config: Pick<Config, 'BASE_URL'>): string {
  return (
    `Issuer '${drift.issuerId}' has issued credentials as ${drift.did}, but BASE_URL ${config.BASE_URL} would make it ${drift.expectedDid}. ` +
    `Its DID is kept so those credentials stay verifiable: they verify only while ${drift.didDocumentUrl} serves its DID document ` +
    `(redirect the old origin to ${new URL(config.BASE_URL).origin}, which serves it at ${drift.servedAt}), or set BASE_URL back. ` +
    'See docs/install-canvas-moodle.md, "Moving Laurel to a new address".'
  );
}

function didWebHost(did: string): string | undefined {
  const match = /^did:web:([^:#?]+)/.exec(did);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function urlHost(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
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
