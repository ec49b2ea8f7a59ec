import { sql } from 'kysely';
import type { AnyDb } from '../db';

/** The display names of these issuers, by id (for a message naming who issued a credential); unknown ids are absent. */
export async function issuerNames(db: AnyDb, issuerIds: readonly string[]): Promise<Map<string, string>> {
  if (issuerIds.length === 0) return new Map();
  const { rows } = await sql<{ id: string; name: string }>`select id, name from credential_issuers where id = any(${[...new Set(issuerIds)]}::text[])`.execute(db);
  return new Map(rows.map((r) => [r.id, r.name]));
}
