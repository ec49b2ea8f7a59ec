import { createHash, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { FoundationTables } from '../db';

/** What a token may do. `admin` implies every other scope. */
export const SCOPES = ['admin', 'events', 'transcripts', 'metrics'] as const;
export type Scope = (typeof SCOPES)[number];

export interface ApiToken {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  /** The platform the token is bound to (reaches that platform's objects only); null: instance-wide. */
  platformId: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

const TOKEN_PREFIX = 'lrl_';

// Tokens carry 256 random bits, so an unsalted SHA-256 is enough: nothing to brute-force, and a
// constant-time lookup by hash avoids comparing secrets in JavaScript.
function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function toApiToken(row: Selectable<FoundationTables['api_tokens']>): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.token_prefix,
    scopes: row.scopes as Scope[],
    platformId: row.platform_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

/** Creates a token; the plaintext is returned once and never stored. */
export async function createToken(db: Kysely<FoundationTables>, props: { name: string; scopes: Scope[]; platformId?: string | null }): Promise<{ token: string; record: ApiToken }> {
  const unknown = props.scopes.filter((s) => !SCOPES.includes(s));
  if (unknown.length || props.scopes.length === 0) throw new TypeError(`Scopes must be some of ${SCOPES.join(', ')}`);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({ name: props.name, token_prefix: token.slice(0, 10), token_hash: hashToken(token), scopes: [...new Set(props.scopes)], platform_id: props.platformId ?? null })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { token, record: toApiToken(row) };
}

/** The active token matching a presented secret, or undefined. Records its last use (at most once a minute). */
export async function authenticateToken(db: Kysely<FoundationTables>, presented: string): Promise<ApiToken | undefined> {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 100) return undefined;
  const row = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hashToken(presented)).where('revoked_at', 'is', null).executeTakeFirst();
  if (!row) return undefined;
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: sql`now()` }).where('id', '=', row.id).execute();
  }
  return toApiToken(row);
}

export function hasScope(token: Pick<ApiToken, 'scopes'>, scope: Scope): boolean {
  return token.scopes.includes('admin') || token.scopes.includes(scope);
}

/** Tokens, newest first; with `platformId`, only the tokens bound to that platform. */
export async function listTokens(db: Kysely<FoundationTables>, filter: { platformId?: string } = {}): Promise<ApiToken[]> {
  let query = db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'desc');
  if (filter.platformId) query = query.where('platform_id', '=', filter.platformId);
  const rows = await query.execute();
  return rows.map(toApiToken);
}

/** Revokes by id or by the displayed prefix (with `platformId`, only a token bound to it); returns how many were revoked. */
export async function revokeToken(db: Kysely<FoundationTables>, idOrPrefix: string, filter: { platformId?: string } = {}): Promise<number> {
  const isUuid = /^[0-9a-f-]{36}$/i.test(idOrPrefix);
  let query = db
    .updateTable('api_tokens')
    .set({ revoked_at: sql`now()` })
    .where(isUuid ? 'id' : 'token_prefix', '=', idOrPrefix)
    .where('revoked_at', 'is', null);
  if (filter.platformId) query = query.where('platform_id', '=', filter.platformId);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}
