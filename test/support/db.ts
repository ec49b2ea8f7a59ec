import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { createDatabase, migrate, type Database } from '../../src/db';

export interface TestDatabase extends Database {
  schema: string;
}

/**
 * A fresh PostgreSQL schema with every migration applied, private to one test suite, so suites run in
 * parallel against the real database and leave nothing behind (`close()` drops the schema).
 */
export async function createTestDatabase(options: { max?: number } = {}): Promise<TestDatabase> {
  const url = requireEnv('DATABASE_URL');
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new Pool({ connectionString: url, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url, schema, max: options.max ?? 5 });
  await migrate(database.pool);
  return {
    ...database,
    schema,
    async close() {
      await database.close();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run 'npm run setup' to create .env and the local services`);
  return value;
}
