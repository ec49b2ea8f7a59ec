import type { Config } from '../config';
import type { Database } from '../db';
import { ensureDefaultIssuer } from '../credentials';
import { sealPlaintextSecrets } from '../events';

/** Steps of `laurel bootstrap`, run by set-up after migrations. Each is idempotent and returns one line. */
export type BootstrapStep = (database: Database, config: Config) => Promise<string>;

export const bootstrapSteps: BootstrapStep[] = [
  async ({ db }, config) => `issuer ${(await ensureDefaultIssuer(db, config)).did} has active signing keys`,
  async ({ db }, config) => `${await sealPlaintextSecrets(db, { keyEncryptionKey: config.KEY_ENCRYPTION_KEY })} event source secret(s) sealed at rest`,
];
