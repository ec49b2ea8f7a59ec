import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { OB_V3_CONTEXT, VC_V2_CONTEXT } from './contexts';
import { getIssuer, issuerProfile } from './issuers';
import { on } from './keys';

/** W3C Bitstring Status List v1.0: the minimum list length that gives holders herd privacy. */
export const MIN_STATUS_LIST_SIZE = 131072;
/** Decoded lists larger than this are refused (a hostile list must not exhaust memory). */
const MAX_DECODED_BYTES = 16 * 1024 * 1024;

/** Where one credential's revocation bit lives. */
export interface StatusEntry {
  listId: string;
  statusListIndex: number;
  /** URL of the BitstringStatusListCredential: `${BASE_URL}/status-lists/<listId>`. */
  statusListCredential: string;
}

export function statusListUrl(config: Pick<Config, 'BASE_URL'>, listId: string): string {
  return `${config.BASE_URL}/status-lists/${listId}`;
}

/**
 * Takes the next free index of the issuer's newest list (opening a new list when full), on `trx`, so
 * a rolled-back issue releases nothing it did not use. The row lock serialises allocations per list.
 */
export async function allocateStatusEntry<T>(trx: Kysely<T>, issuerId: string, config: Pick<Config, 'BASE_URL'>): Promise<StatusEntry> {
  const db = on(trx);
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await db
      .updateTable('status_lists')
      .set({ next_index: sql`next_index + 1` })
      .where('id', '=', (eb) =>
        eb.selectFrom('status_lists').select('id').where('issuer_id', '=', issuerId).where('purpose', '=', 'revocation')
          .whereRef('next_index', '<', 'size').orderBy('created_at', 'desc').limit(1).forUpdate(),
      )
      .where('next_index', '<', (eb) => eb.ref('size'))
      .returning(['id', 'next_index', 'size'])
      .executeTakeFirst();
    if (row) {
      const statusListIndex = scatter(row.next_index - 1, row.size, row.id);
      return { listId: row.id, statusListIndex, statusListCredential: statusListUrl(config, row.id) };
    }
    await db
      .insertInto('status_lists')
      .values({ issuer_id: issuerId, bits: Buffer.alloc(MIN_STATUS_LIST_SIZE / 8) })
      .execute();
  }
  throw new LaurelError('ERR_UNAVAILABLE', 'Could not allocate a status list entry');
}

/** A run of consecutive allocations `[from, to)` of one list, taken in one statement. */
export interface StatusRange {
  listId: string;
  size: number;
  from: number;
  to: number;
}

/**
 * Takes up to `count` consecutive allocations of the issuer's newest list with room (opening a new
 * list when all are full) in one statement: one row lock and one commit for many credentials, where
 * `allocateStatusEntry` pays both per credential. The allocations of a range that are never used
 * (the process stops first) stay unused bits: the list still never gives one index twice.
 */
export async function allocateStatusRange<T>(trx: Kysely<T>, issuerId: string, count: number): Promise<StatusRange> {
  if (!Number.isInteger(count) || count < 1) throw new TypeError('count must be a positive integer');
  const db = on(trx);
  for (let attempt = 0; attempt < 3; attempt++) {
    const { rows } = await sql<{ id: string; size: number; from_index: number; to_index: number }>`
      with list as (
        select id, next_index, size from status_lists
        where issuer_id = ${issuerId} and purpose = 'revocation' and next_index < size
        order by created_at desc limit 1 for update
      )
      update status_lists s set next_index = list.next_index + least(${count}::int, list.size - list.next_index)
      from list where s.id = list.id
      returning s.id, s.size, list.next_index as from_index, s.next_index as to_index`.execute(db);
    const row = rows[0];
    if (row) return { listId: row.id, size: row.size, from: row.from_index, to: row.to_index };
    await db.insertInto('status_lists').values({ issuer_id: issuerId, bits: Buffer.alloc(MIN_STATUS_LIST_SIZE / 8) }).execute();
  }
  throw new LaurelError('ERR_UNAVAILABLE', 'Could not allocate a status list entry');
}

/** The entry of the n-th allocation of a range's list (the same scatter `allocateStatusEntry` uses). */
export function statusEntryOf(config: Pick<Config, 'BASE_URL'>, range: Pick<StatusRange, 'listId' | 'size'>, n: number): StatusEntry {
  return { listId: range.listId, statusListIndex: scatter(n, range.size, range.listId), statusListCredential: statusListUrl(config, range.listId) };
}

const MULTIPLIER = 2654435761n; // odd prime: a bijection modulo any size it does not divide

/**
 * Maps the n-th allocation of a list to its index by a per-list affine permutation, so neighbouring
 * credentials do not get neighbouring bits (the spec asks for positions that do not reveal issue
 * order) while every index is still used exactly once before the list is full.
 */
export function scatter(n: number, size: number, listId: string): number {
  if (size % Number(MULTIPLIER) === 0) return n;
  return Number((BigInt(n) * MULTIPLIER + offsetOf(listId)) % BigInt(size));
}

/** A list's offset, hashed once per list rather than once per credential (bounded cache). */
const offsets = new Map<string, bigint>();
function offsetOf(listId: string): bigint {
  let offset = offsets.get(listId);
  if (offset === undefined) {
    if (offsets.size >= 1024) offsets.clear();
    offset = BigInt(createHash('sha256').update(listId).digest().readUInt32BE(0));
    offsets.set(listId, offset);
  }
  return offset;
}

/** Sets (revoked) or clears a bit. Bit 0 is the most significant bit of byte 0 (spec order). */
export async function setStatus<T>(trx: Kysely<T>, props: { listId: string; index: number; revoked: boolean }): Promise<void> {
  if (!Number.isInteger(props.index) || props.index < 0) throw new TypeError('index must be a non-negative integer');
  // PostgreSQL's set_bit numbers bits least-significant first within a byte.
  const pgBit = Math.floor(props.index / 8) * 8 + (7 - (props.index % 8));
  const result = await on(trx)
    .updateTable('status_lists')
    .set({ bits: sql`set_bit(bits, ${pgBit}, ${props.revoked ? 1 : 0})`, version: sql`version + 1`, updated_at: sql`now()` })
    .where('id', '=', props.listId)
    .where('size', '>', props.index)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new LaurelError('ERR_NOT_FOUND', `No status list entry ${props.listId}/${props.index}`);
}

export interface StatusListRow {
  id: string;
  issuerId: string;
  purpose: 'revocation' | 'suspension';
  bits: Buffer;
  version: string;
  updatedAt: Date;
}

export async function getStatusList<T>(db: Kysely<T>, listId: string): Promise<StatusListRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(listId)) return undefined;
  const row = await on(db).selectFrom('status_lists').selectAll().where('id', '=', listId).executeTakeFirst();
  return row && { id: row.id, issuerId: row.issuer_id, purpose: row.purpose, bits: row.bits, version: String(row.version), updatedAt: row.updated_at };
}

/** The list's change counter alone (no bits), for cache validation. */
export async function statusListVersion<T>(db: Kysely<T>, listId: string): Promise<string | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(listId)) return undefined;
  const row = await on(db).selectFrom('status_lists').select('version').where('id', '=', listId).executeTakeFirst();
  return row && String(row.version);
}

/** GZIP then multibase base64url (`u` prefix, no padding), as `encodedList` requires. */
export function encodeStatusList(bits: Buffer): string {
  return 'u' + gzipSync(bits).toString('base64url');
}

export function decodeStatusList(encoded: string): Buffer {
  if (typeof encoded !== 'string' || !encoded.startsWith('u') || !/^u[A-Za-z0-9_-]+$/.test(encoded)) {
    throw new LaurelError('ERR_CREDENTIAL_INVALID', 'encodedList is not multibase base64url');
  }
  try {
    return gunzipSync(Buffer.from(encoded.slice(1), 'base64url'), { maxOutputLength: MAX_DECODED_BYTES });
  } catch (cause) {
    throw new LaurelError('ERR_CREDENTIAL_INVALID', 'encodedList is not a GZIP bitstring', { cause });
  }
}

export function bitAt(bits: Buffer, index: number): boolean | undefined {
  if (!Number.isInteger(index) || index < 0 || index >= bits.length * 8) return undefined;
  return (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
}

/** Anything that signs an unsigned credential with our keys (see `createSigner`). */
export interface StatusListSigner {
  signDataIntegrity(issuerId: string, unsigned: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** The BitstringStatusListCredential served at `/status-lists/:id`, signed with the issuer's DI key. */
export async function statusListCredential<T>(db: Kysely<T>, listId: string, config: Config, signer: StatusListSigner, now = new Date()): Promise<{ credential: Record<string, unknown>; version: string } | undefined> {
  const list = await getStatusList(db, listId);
  if (!list) return undefined;
  const issuer = await getIssuer(db, list.issuerId);
  if (!issuer) return undefined;
  const url = statusListUrl(config, list.id);
  const unsigned = {
    '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: issuerProfile(issuer, config),
    validFrom: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: list.purpose, encodedList: encodeStatusList(list.bits) },
  };
  return { credential: await signer.signDataIntegrity(list.issuerId, unsigned), version: list.version };
}
