import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import { Pool, type PoolConfig } from 'pg';
import type { FoundationTables } from './tables';

export { sql } from 'kysely';
export type { Kysely, Transaction, Selectable, Insertable, Updateable } from 'kysely';
export type { FoundationTables } from './tables';
export { migrate, pendingMigrations, MIGRATIONS_DIR } from './migrate';
export { encodeCursor, decodeCursor, pageOf, type PageKey } from './cursor';

export type Db = Kysely<FoundationTables>;
/** A handle (pool or transaction) typed with any module's tables: what a dependency field holds when its users see their own tables through `asTables`. */
export type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface DatabaseOptions {
  /** PostgreSQL connection string. */
  url: string;
  /** Pool size per process. Default 10. */
  max?: number;
  /** Schema to use instead of `public` (tests run each suite in its own schema). */
  schema?: string;
}

export interface Database {
  db: Db;
  pool: Pool;
  /** Closes every connection; safe to call twice. */
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions): Database {
  const config: PoolConfig = {
    connectionString: options.url,
    max: options.max ?? 10,
    // Fail fast when PostgreSQL is down so /readyz answers quickly instead of hanging.
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    application_name: 'laurel',
  };
  if (options.schema) config.options = `-c search_path=${quoteIdent(options.schema)}`;
  const pool = new Pool(config);
  // A client losing its connection (PostgreSQL restart, failover) must not crash the process.
  // pg-pool guards only idle clients; one checked out between two queries (inside a transaction)
  // would emit an unhandled 'error'. Its next query fails instead, and the pool discards it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const db = new Kysely<FoundationTables>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      // Kysely only ends a pool it has used; the migrator and raw queries use it directly.
      if (!pool.ended) await pool.end();
    },
  };
}

/**
 * The one place a database handle changes its table type (issue 14: no handle casts outside db/).
 * PostgreSQL holds every table; each module sees the tables its `tables.ts` declares (plus those its
 * queries join). Kysely handles are invariant in their table map, so `Kysely<All>` is not assignable to
 * `Kysely<Mine>`, and `withTables()` only widens and makes a new object. This returns the same object:
 * a transaction stays that transaction, and per-handle caches (WeakMap by handle) keep working.
 * Which module may touch which table is checked by test/architecture/table-ownership.test.ts.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- any handle, whatever tables it was typed with */
export function asTables<Tables>(db: Transaction<any>): Transaction<Tables>;
export function asTables<Tables>(db: Kysely<any>): Kysely<Tables>;
export function asTables<Tables>(db: Kysely<any>): Kysely<Tables> {
  return db as unknown as Kysely<Tables>;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Runs `work` in one transaction; the callback's return value is the result. */
export function inTransaction<T, DB>(db: Kysely<DB>, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  return db.transaction().execute(work);
}

/** True when a query can run; used by /readyz. */
export async function isDatabaseReachable<T>(db: Kysely<T>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

export function quoteIdent(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(name)) throw new TypeError(`Invalid SQL identifier: ${name}`);
  return `"${name}"`;
}

/** PostgreSQL's unique_violation, for code that must tell a duplicate from a failure. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
