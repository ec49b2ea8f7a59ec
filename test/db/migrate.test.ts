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
