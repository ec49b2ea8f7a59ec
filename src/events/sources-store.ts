import { randomBytes, randomUUID } from 'node:crypto';
import type { Generated, Kysely, Selectable } from 'kysely';
import { isUuid } from '../courses';
import { openBytes, sealBytes } from '../crypto';
import { LaurelError } from '../errors';
import type { EventSourceKind, EventTables } from './tables';
import { asTables } from '../db';

/**
 * Event sources and their secrets. A Moodle shared secret is sealed at rest (AES-256-GCM under
 * KEY_ENCRYPTION_KEY, the source id as associated data): a database dump or a read-only SQL
 * injection does not hand out the secret that lets anyone forge grades. The plaintext exists only
 * in memory: once when created or rotated (shown to the admin once), and in the verify cache below.
 */

/** Columns added by migration 520 (declared here so the shared table type stays as it is). */
type SourceTable = EventTables['event_sources'] & { secret_sealed: Generated<boolean>; secret_set_at: Date | null };
type SourcesDb = { event_sources: SourceTable };

/**
 * A stored source. `secret` is the sealed form (`secret_sealed` true) or, on rows older than
 * migration 520 not yet sealed, the plaintext; except on the values returned by `createEventSource`,
 * `rotateSourceSecret` (the new plaintext, to show once) and `requireEventSource` (opened for verifying).
 */
export type EventSource = Selectable<SourceTable>;
const on = <T>(db: Kysely<T>): Kysely<SourcesDb> => asTables<SourcesDb>(db);

/** The key-encryption key: passed in, or the KEY_ENCRYPTION_KEY every Laurel process is configured with. */
type Kek = Buffer | string | undefined;
function kekOf(given: Kek): Buffer {
  const raw = given ?? process.env.KEY_ENCRYPTION_KEY;
  const kek = typeof raw === 'string' ? Buffer.from(raw, 'base64') : raw;
  if (!kek || kek.length !== 32) throw new TypeError('Sealing event source secrets needs KEY_ENCRYPTION_KEY (32 bytes, base64)');
  return kek;
}
const aadOf = (sourceId: string) => `event-source:${sourceId}`;

export function sealSourceSecret(props: { sourceId: string; secret: string; keyEncryptionKey?: Kek }): string {
  return sealBytes({ plaintext: Buffer.from(props.secret, 'utf8'), associatedData: aadOf(props.sourceId), kek: kekOf(props.keyEncryptionKey) });
}

/** The plaintext shared secret of a stored source (null when it has none); ERR_KEY_UNAVAILABLE when it cannot be opened. */
export function openSourceSecret(source: Pick<EventSource, 'id' | 'secret' | 'secret_sealed'>, keyEncryptionKey?: Kek): string | null {
  if (source.secret === null) return null;
  if (!source.secret_sealed) return source.secret;
  try {
    return openBytes({ sealed: source.secret, associatedData: aadOf(source.id), kek: kekOf(keyEncryptionKey) }).toString('utf8');
  } catch (cause) {
    // 503, not 401: the sender did nothing wrong, and Moodle's retry task tries again later.
    throw new LaurelError('ERR_KEY_UNAVAILABLE', 'The shared secret of this event source cannot be opened: is KEY_ENCRYPTION_KEY the one it was sealed with?', { cause });
  }
}

export interface CreateEventSourceProps {
  kind: EventSourceKind;
  name?: string;
  platformId?: string | null;
  /** Canvas: the Data Services JWKS URL. */
  jwksUrl?: string | null;
  /** Moodle: the shared secret; generated (256 bits) when omitted. */
  secret?: string | null;
  /** Canvas: accept unsigned JSON too ("Sign Payload" off). Only for development. */
  allowUnsigned?: boolean;
  /** Seals the Moodle secret; default: KEY_ENCRYPTION_KEY from the environment. */
  keyEncryptionKey?: Buffer | string;
}

/** Creates a source. The returned `secret` is the plaintext (to show once); the row holds it sealed. */
export async function createEventSource<T>(db: Kysely<T>, props: CreateEventSourceProps): Promise<EventSource> {
  if (props.kind === 'canvas' && !props.jwksUrl && !props.allowUnsigned) throw new TypeError('A Canvas event source needs jwksUrl (or allowUnsigned for development)');
  if (props.jwksUrl && !/^https?:\/\//.test(props.jwksUrl)) throw new TypeError('jwksUrl must be an http(s) URL');
  const secret = props.kind === 'moodle' ? (props.secret ?? newSecret()) : null;
  if (secret !== null && !isUsableSecret(secret)) throw new LaurelError('ERR_VALIDATION', 'A Moodle shared secret must have at least 16 characters and no spaces: an empty or weak HMAC key would let anyone sign grade events.', { details: { field: 'secret' } });
  // The id is chosen here because it is the sealed secret's associated data.
  const id = randomUUID();
  const row = await on(db)
    .insertInto('event_sources')
    .values({
      id,
      kind: props.kind,
      name: props.name ?? '',
      platform_id: props.platformId ?? null,
      jwks_url: props.jwksUrl ?? null,
      secret: secret === null ? null : sealSourceSecret({ sourceId: id, secret, keyEncryptionKey: props.keyEncryptionKey }),
      secret_sealed: secret !== null,
      secret_set_at: secret === null ? null : new Date(),
      allow_unsigned: props.allowUnsigned ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { ...row, secret };
}

const newSecret = () => randomBytes(32).toString('base64url');

/** A shared secret Laurel accepts for HMAC: 16+ characters, no whitespace (never empty or blank). */
export function isUsableSecret(secret: string | null | undefined): secret is string {
  return typeof secret === 'string' && secret.length >= 16 && /^\S+$/.test(secret);
}

/** Replaces a Moodle source's secret with a new random one; returns the plaintext (to show once). */
export async function rotateSourceSecret<T>(db: Kysely<T>, props: { sourceId: string; keyEncryptionKey?: Buffer | string; now: Date }): Promise<{ source: EventSource; secret: string }> {
  const secret = newSecret();
  const row = await on(db)
    .updateTable('event_sources')
    .set({ secret: sealSourceSecret({ sourceId: props.sourceId, secret, keyEncryptionKey: props.keyEncryptionKey }), secret_sealed: true, secret_set_at: props.now, updated_at: props.now })
    .where('id', '=', props.sourceId)
    .where('kind', '=', 'moodle')
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No Moodle event source has this id.');
  cache.delete(props.sourceId);
  return { source: { ...row, secret }, secret };
}

/** Deletes a source; its stored events stay (their source_id becomes null). Returns whether it existed. */
export async function deleteEventSource<T>(db: Kysely<T>, props: { sourceId: string }): Promise<boolean> {
  if (!isUuid(props.sourceId)) return false;
  const result = await on(db).deleteFrom('event_sources').where('id', '=', props.sourceId).executeTakeFirst();
  cache.delete(props.sourceId);
  return Number(result.numDeletedRows) > 0;
}

/** Enables or disables every source of a platform (a removed platform's sources stop accepting events). */
export async function setPlatformSourcesEnabled<T>(db: Kysely<T>, props: { platformId: string; enabled: boolean; now: Date }): Promise<number> {
  const result = await on(db).updateTable('event_sources').set({ enabled: props.enabled, updated_at: props.now }).where('platform_id', '=', props.platformId).executeTakeFirst();
  cache.clear();
  return Number(result.numUpdatedRows);
}

/**
 * Seals the plaintext secrets of rows created before migration 520. Idempotent; run by `laurel
 * bootstrap` and when the web app starts. Each row is updated only if still plaintext, so concurrent
 * runs cannot seal twice.
 */
export async function sealPlaintextSecrets<T>(db: Kysely<T>, props: { keyEncryptionKey?: Buffer | string } = {}): Promise<number> {
  const rows = await on(db).selectFrom('event_sources').select(['id', 'secret']).where('secret_sealed', '=', false).where('secret', 'is not', null).execute();
  let sealed = 0;
  for (const row of rows) {
    const result = await on(db)
      .updateTable('event_sources')
      .set({ secret: sealSourceSecret({ sourceId: row.id, secret: row.secret!, keyEncryptionKey: props.keyEncryptionKey }), secret_sealed: true })
      .where('id', '=', row.id)
      .where('secret_sealed', '=', false)
      .executeTakeFirst();
    sealed += Number(result.numUpdatedRows);
  }
  if (sealed) cache.clear();
  return sealed;
}

/** Event sources, oldest first; with `platformId`, only that platform's (tenancy: the query carries the scope). */
export function listEventSources<T>(db: Kysely<T>, filter: { platformId?: string } = {}): Promise<EventSource[]> {
  let query = on(db).selectFrom('event_sources').selectAll().orderBy('created_at');
  if (filter.platformId) query = query.where('platform_id', '=', filter.platformId);
  return query.execute();
}

export function findEventSource<T>(db: Kysely<T>, sourceId: string): Promise<EventSource | undefined> {
  if (!isUuid(sourceId)) return Promise.resolve(undefined);
  return on(db).selectFrom('event_sources').selectAll().where('id', '=', sourceId).executeTakeFirst();
}

// Each webhook delivery names its source; a short cache spares a query per event under load. The
// cached copy holds the opened secret, so verifying costs one AES-GCM open per source per 15 s, not
// per event. A rotation or deletion in another process is seen here within those 15 s.
const CACHE_MS = 15_000;
const cache = new Map<string, { source: EventSource; until: number }>();

export function clearEventSourceCache(): void {
  cache.clear();
}

/**
 * The enabled source of this kind, or ERR_NOT_FOUND (unknown, disabled or of another kind alike).
 * Its `secret` is the opened (plaintext) shared secret, ready for `verifyMoodleSignature`.
 */
export async function requireEventSource<T>(db: Kysely<T>, props: { id: string; kind: EventSourceKind; now: Date; keyEncryptionKey?: Buffer | string }): Promise<EventSource> {
  const hit = cache.get(props.id);
  let source = hit && hit.until > props.now.getTime() ? hit.source : undefined;
  if (!source && isUuid(props.id)) {
    const row = await on(db).selectFrom('event_sources').selectAll().where('id', '=', props.id).executeTakeFirst();
    if (row) {
      source = { ...row, secret: openSourceSecret(row, props.keyEncryptionKey) };
      cache.set(props.id, { source, until: props.now.getTime() + CACHE_MS });
    }
  }
  if (!source || !source.enabled || source.kind !== props.kind) throw new LaurelError('ERR_NOT_FOUND', 'No enabled event source has this id.');
  return source;
}
