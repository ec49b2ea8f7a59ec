import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { isUniqueViolation } from '../db';
import type { LtiStorePlugin, LtiDocument, LtiQuery } from 'ltijs';

/** Any Kysely handle, whatever tables it is typed with (the store only runs raw SQL). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyKysely = Kysely<any>;

/** How long each ltijs collection lives, in seconds (what ltijs's MongoDB TTL indexes say). */
export interface LtiStoreTtl {
  /**
   * Nonces. ltijs keeps them 10 s on MongoDB, but it accepts id_tokens up to `tokenMaxAge` old and the
   * nonce store is its only replay defence: a nonce must outlive every token that can still carry it,
   * so this must be at least tokenMaxAge plus clock skew. Default 10.
   */
  nonce: number;
  /** OIDC login states. Default 600. */
  state: number;
  /** id_token and context token copies behind an ltik. Default 86400. */
  session: number;
  /** Client-credentials access tokens (ltijs re-checks `expires_in` itself). Default 3600. */
  accessToken: number;
}

const DEFAULT_TTL: LtiStoreTtl = { nonce: 10, state: 600, session: 86400, accessToken: 3600 };

/** Laurel's own collection: the nonce each OIDC login sent, by state. */
export const LAUNCH_NONCE = 'launchnonce';

/** Collections ltijs gives a `createdAt` (MongoDB TTL fields); their documents carry it back. */
const TIMED = new Set(['idtoken', 'contexttoken', 'accesstoken', 'nonce', 'state']);

/**
 * The ltijs 5.9 storage plugin on PostgreSQL: the semantics of `ltijs/dist/Utils/Database.js` (MongoDB)
 * over one jsonb table (`lti_store`, migration 200), including its encryption of keys and access
 * tokens (AES-256-CBC under SHA-256 of ltijs's encryption key, `{iv, data}` hex), so documents written
 * by one are readable by the other.
 *
 * One deliberate difference: a query field that is `undefined` matches documents where the field is
 * missing, instead of being dropped from the query (MongoDB would turn `Delete('publickey', {kid:
 * undefined})`, which ltijs issues on a failed registration, into "delete every key").
 */
export class PgLtiStore implements LtiStorePlugin {
  private readonly ttl: LtiStoreTtl;
  private deployed = false;

  /** Read by the service clients (which hosts a platform's services may be called on). */
  readonly db: Kysely<unknown>;

  /** `db`: any Kysely handle on a schema where migration 200 ran. */
  constructor(db: AnyKysely, ttl: Partial<LtiStoreTtl> = {}) {
    this.db = db as Kysely<unknown>;
    this.ttl = { ...DEFAULT_TTL, ...ttl };
    for (const [name, seconds] of Object.entries(this.ttl)) {
      if (!(seconds > 0)) throw new TypeError(`LTI store ttl.${name} must be greater than 0 (seconds)`);
    }
  }

  async setup(): Promise<boolean> {
    // No connection check: the pool connects per query, so Laurel starts (and /readyz reports the
    // database) while PostgreSQL is down, and LTI requests work again once it is back.
    this.deployed = true;
    return true;
  }

  async Close(): Promise<boolean> {
    // The pool belongs to the application context, which closes it.
    this.deployed = false;
    return true;
  }

  async Get(key: string | false, collection: string, query?: LtiQuery): Promise<LtiDocument[] | false> {
    this.assertReady(collection);
    const { rows } = await sql<{ doc: LtiDocument; created_at: Date }>`
      select doc, created_at from lti_store
      where ${this.where(collection, query)} and (expires_at is null or expires_at > now())
      order by id`.execute(this.db);
    if (rows.length === 0) return false;
    const result: LtiDocument[] = [];
    for (const row of rows) {
      const doc = key ? (JSON.parse(await this.Decrypt(String(row.doc.data), String(row.doc.iv), key)) as LtiDocument) : row.doc;
      // MongoDB hands back createdAt as a Date (plain) or, after decryption, as epoch milliseconds;
      // Platform.platformAccessToken() computes the token's age from it.
      if (TIMED.has(collection)) doc.createdAt = key ? row.created_at.getTime() : row.created_at;
      result.push(doc);
    }
    return result;
  }

  async Insert(key: string | false, collection: string, item: LtiDocument, index?: LtiQuery): Promise<boolean> {
    this.assertReady(collection);
    if (!item || (key && !index)) throw new Error('MISSING_PARAMS');
    const doc = await this.document(key, item, index);
    try {
      await sql`insert into lti_store (collection, doc, expires_at) values (${collection}, ${json(doc)}, ${this.expiry(collection)})`.execute(this.db);
    } catch (error) {
      // The unique nonce index is what makes a concurrent replay fail; say so in ltijs's own words.
      if (collection === 'nonce' && isUniqueViolation(error)) throw new Error('NONCE_ALREADY_RECEIVED');
      throw error;
    }
    return true;
  }

  /** MongoDB `replaceOne(query, doc, {upsert: true})`: replaces the first match or inserts. */
  async Replace(key: string | false, collection: string, query: LtiQuery, item: LtiDocument, index?: LtiQuery): Promise<boolean> {
    this.assertReady(collection);
    if (!item || (key && !index)) throw new Error('MISSING_PARAMS');
    const doc = await this.document(key, item, index);
    for (let attempt = 1; ; attempt++) {
      try {
        const updated = await sql`
          update lti_store set doc = ${json(doc)}, created_at = now(), expires_at = ${this.expiry(collection)}
          where id = (select id from lti_store where ${this.where(collection, query)} order by id limit 1 for update)`.execute(this.db);
        if (Number(updated.numAffectedRows ?? 0) === 0) {
          await sql`insert into lti_store (collection, doc, expires_at) values (${collection}, ${json(doc)}, ${this.expiry(collection)})`.execute(this.db);
        }
        return true;
      } catch (error) {
        // Two upserts raced on a unique index: the second one retries as an update.
        if (attempt < 3 && isUniqueViolation(error)) continue;
        throw error;
      }
    }
  }

  /** MongoDB `updateOne(query, modification)`: sets top-level fields of the first match. */
  async Modify(key: string | false, collection: string, query: LtiQuery, modification: LtiDocument): Promise<boolean> {
    this.assertReady(collection);
    if (!query || !modification) throw new Error('MISSING_PARAMS');
    const found = await sql<{ id: string; doc: LtiDocument }>`
      select id, doc from lti_store where ${this.where(collection, query)} order by id limit 1`.execute(this.db);
    const row = found.rows[0];
    if (!row) return true;
    let patch: LtiDocument = modification;
    if (key) {
      // ltijs's semantics: only the first field of the modification applies to an encrypted document.
      const plain = JSON.parse(await this.Decrypt(String(row.doc.data), String(row.doc.iv), key)) as LtiDocument;
      const [field] = Object.keys(modification);
      if (field !== undefined) plain[field] = modification[field];
      patch = { ...(await this.Encrypt(JSON.stringify(plain), key)) };
    }
    await sql`update lti_store set doc = doc || ${json(patch)} where id = ${row.id}`.execute(this.db);
    return true;
  }

  async Delete(collection: string, query: LtiQuery): Promise<boolean> {
    this.assertReady(collection);
    if (!query) throw new Error('MISSING_PARAMS');
    await sql`delete from lti_store where ${this.where(collection, query)}`.execute(this.db);
    return true;
  }

  async Encrypt(data: string, secret: string): Promise<{ iv: string; data: string }> {
    const iv = randomBytes(16);
    const cipher = createCipheriv('aes-256-cbc', deriveKey(secret), iv);
    const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
    return { iv: iv.toString('hex'), data: encrypted.toString('hex') };
  }

  async Decrypt(data: string, iv: string, secret: string): Promise<string> {
    const decipher = createDecipheriv('aes-256-cbc', deriveKey(secret), Buffer.from(iv, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'hex')), decipher.final()]).toString();
  }

  /**
   * Takes (once) the nonce Laurel's login sent with an OIDC `state` (recorded by the login route under
   * collection `launchnonce`). ltijs only checks that a nonce was not seen before; binding the nonce to
   * the state Laurel issued also refuses tokens minted for another login.
   */
  async consumeLaunchNonce(state: string): Promise<string | undefined> {
    const { rows } = await sql<{ nonce: string }>`
      delete from lti_store where collection = ${LAUNCH_NONCE} and doc @> ${json({ state })}
        and (expires_at is null or expires_at > now())
      returning doc ->> 'nonce' as nonce`.execute(this.db);
    return rows[0]?.nonce;
  }

  /** Deletes what MongoDB's TTL monitor would have removed; returns the number of rows deleted. */
  async purgeExpired(now: Date = new Date()): Promise<number> {
    const result = await sql`delete from lti_store where expires_at is not null and expires_at <= ${now}`.execute(this.db);
    return Number(result.numAffectedRows ?? 0);
  }

  private assertReady(collection: string): void {
    if (!this.deployed) throw new Error('PROVIDER_NOT_DEPLOYED');
    if (!collection) throw new Error('MISSING_COLLECTION');
  }

  private async document(key: string | false, item: LtiDocument, index?: LtiQuery): Promise<LtiDocument> {
    if (!key) return stripUndefined(item);
    const encrypted = await this.Encrypt(JSON.stringify(item), key);
    return { ...stripUndefined(index ?? {}), ...encrypted };
  }

  private expiry(collection: string): Date | null {
    const seconds =
      collection === 'nonce' ? this.ttl.nonce
      : collection === 'state' || collection === LAUNCH_NONCE ? this.ttl.state
      : collection === 'idtoken' || collection === 'contexttoken' ? this.ttl.session
      : collection === 'accesstoken' ? this.ttl.accessToken
      : null;
    return seconds === null ? null : new Date(Date.now() + seconds * 1000);
  }

  private where(collection: string, query: LtiQuery = {}): RawBuilder<unknown> {
    const present: LtiQuery = {};
    const conditions: RawBuilder<unknown>[] = [sql`collection = ${collection}`];
    for (const [field, value] of Object.entries(query)) {
      if (value === undefined || value === null) conditions.push(sql`(doc -> ${field} is null or doc -> ${field} = 'null'::jsonb)`);
      else present[field] = value;
    }
    if (Object.keys(present).length > 0) conditions.push(sql`doc @> ${json(present)}`);
    return sql.join(conditions, sql` and `);
  }
}

function deriveKey(secret: string): Buffer {
  return createHash('sha256').update(secret).digest().subarray(0, 32);
}

function json(value: unknown): RawBuilder<unknown> {
  return sql`${JSON.stringify(value)}::jsonb`;
}

function stripUndefined(doc: LtiDocument): LtiDocument {
  return JSON.parse(JSON.stringify(doc)) as LtiDocument;
}
