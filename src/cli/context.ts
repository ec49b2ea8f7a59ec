import { ConfigError, loadConfig, type Config } from '../config';
import { createDatabase, type Database } from '../db';

/** Loads configuration for a command, or exits with the one-line configuration error. */
export function cliConfig(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message, 78);
    throw error;
  }
}

/** Runs `work` with a database connection, closing it afterwards. */
export async function withDatabase<T>(work: (database: Database, config: Config) => Promise<T>): Promise<T> {
  const config = cliConfig();
  const database = createDatabase({ url: config.DATABASE_URL, max: 2 });
  try {
    return await work(database, config);
  } finally {
    await database.close();
  }
}

export function fail(message: string, code = 1): never {
  process.stderr.write(`laurel: ${message}\n`);
  process.exit(code);
}
