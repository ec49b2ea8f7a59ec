import { Pool } from 'pg';
import { migrate, pendingMigrations, sql } from '../../src/db';
import { createTestDatabase, requireEnv, type TestDatabase } from '../support/db';

describe('migrations', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(async () => {
    await tdb.close();
  });

  it('applies every migration into the suite schema and nothing twice', async () => {
    expect(await pendingMigrations(tdb.pool)).toEqual([]);
    expect(await migrate(tdb.pool)).toEqual([]);
    const { rows } = await sql<{ table_name: string }>`select table_name from information_schema.tables where table_schema = ${tdb.schema}`.execute(tdb.db);
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['api_tokens', 'audit_log', 'platforms', 'courses', 'learners']));
  });

  it('drops the suite schema on close', async () => {
    const other = await createTestDatabase();
    await other.close();
    const admin = new Pool({ connectionString: requireEnv('DATABASE_URL'), max: 1 });
    const { rowCount } = await admin.query('select 1 from information_schema.schemata where schema_name = $1', [other.schema]);
    await admin.end();
    expect(rowCount).toBe(0);
  });
});

describe('connection loss', () => {
  it('survives PostgreSQL killing a checked-out connection between two queries, then recovers', async () => {
    const tdb = await createTestDatabase({ max: 1 });
    const admin = new Pool({ connectionString: requireEnv('DATABASE_URL'), max: 1 });
    try {
      const inside = tdb.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await admin.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        // The server's FATAL message arrives while no query runs: an unguarded client crashes here.
        await new Promise((resolve) => setTimeout(resolve, 300));
        await sql`select 1`.execute(trx);
      });
      await expect(inside).rejects.toThrow();
      // The dead client was discarded: the pool (of one) serves a fresh connection.
      expect((await sql<{ x: number }>`select 1 as x`.execute(tdb.db)).rows).toEqual([{ x: 1 }]);
    } finally {
      await admin.end();
      await tdb.close();
    }
  });
});
