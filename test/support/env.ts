// Loads the local .env written by `npm run setup` so tests reach the embedded PostgreSQL and Redis.
import { config } from 'dotenv';
import { join } from 'node:path';

config({ path: join(__dirname, '..', '..', '.env'), quiet: true });
process.env.NODE_ENV = 'test';
process.env.LOG_LEVEL ??= 'silent';
