import type { Config } from '../config';
import type { Database } from '../db';
import { getIssuer, DEFAULT_ISSUER_ID } from '../credentials';
import { sealPlaintextSecrets } from '../events';

/** Steps of `laurel bootstrap`, run by set-up after migrations. Each is idempotent and returns one line. */
export type BootstrapStep = (database: Database, config: Config) => Promise<string>;

export const bootstrapSteps: BootstrapStep[] = [
  // The default issuer is not created here: set-up runs before the operator sets the real BASE_URL, and
  // an issuer's DID is taken from the BASE_URL in force when Laurel first issues.
  async ({ db }, config) => {
    const issuer = await getIssuer(db, DEFAULT_ISSUER_ID);
    if (!issuer) return `default issuer: created with the first credential, from BASE_URL (now ${config.BASE_URL})`;
    return issuer.first_issued_at ? `default issuer ${issuer.did} (has issued; its DID is fixed)` : `default issuer ${issuer.did} (follows BASE_URL until it first issues)`;
  },
  async ({ db }, config) => `${await sealPlaintextSecrets(db, { keyEncryptionKey: config.KEY_ENCRYPTION_KEY })} event source secret(s) sealed at rest`,
];
