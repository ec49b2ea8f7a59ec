import { clock, type ObApiDeps } from './deps';
import { obapiDb } from './tables';

const GRACE_MS = 24 * 3600 * 1000;
const BATCH = 100;

/**
 * Deletes a bounded batch of spent rows (expired for a day: consent requests, codes, sign-in links,
 * tokens), run on each authorization request so the tables stay small without a scheduler.
 */
export async function sweepExpired(deps: ObApiDeps): Promise<void> {
  const before = new Date(clock(deps).getTime() - GRACE_MS);
  const db = obapiDb(deps.db);
  await db.deleteFrom('obapi_authorization_requests').where('id', 'in', (eb) => eb.selectFrom('obapi_authorization_requests').select('id').where('expires_at', '<', before).limit(BATCH)).execute();
  await db.deleteFrom('obapi_codes').where('code_hash', 'in', (eb) => eb.selectFrom('obapi_codes').select('code_hash').where('expires_at', '<', before).limit(BATCH)).execute();
  await db.deleteFrom('obapi_sign_in_links').where('token_hash', 'in', (eb) => eb.selectFrom('obapi_sign_in_links').select('token_hash').where('expires_at', '<', before).limit(BATCH)).execute();
  await db.deleteFrom('obapi_tokens').where('token_hash', 'in', (eb) => eb.selectFrom('obapi_tokens').select('token_hash').where('expires_at', '<', before).limit(BATCH)).execute();
}
