import { clock, limitsOf, type WalletsDeps } from './deps';
import { hashSecret, randomToken } from './secrets';
import { walletsDb } from './tables';

/** A fresh c_nonce (OpenID4VCI 1.0 section 7): random, stored hashed, single use, short-lived. */
export async function issueNonce(deps: WalletsDeps): Promise<{ nonce: string; expiresIn: number }> {
  const now = clock(deps);
  const { nonceSeconds } = limitsOf(deps);
  const nonce = randomToken();
  const db = walletsDb(deps.db);
  await db.insertInto('wallet_nonces').values({ nonce_hash: hashSecret(nonce), expires_at: new Date(now.getTime() + nonceSeconds * 1000) }).execute();
  // Spent and expired nonces are useless: sweep a bounded batch on every issue.
  await db.deleteFrom('wallet_nonces').where('nonce_hash', 'in', (eb) => eb.selectFrom('wallet_nonces').select('nonce_hash').where('expires_at', '<', now).limit(100)).execute();
  return { nonce, expiresIn: nonceSeconds };
}

/** True exactly once for a nonce Laurel issued and that has not expired (the delete is the use). */
export async function consumeNonce(deps: WalletsDeps, nonce: string): Promise<boolean> {
  const row = await walletsDb(deps.db)
    .deleteFrom('wallet_nonces')
    .where('nonce_hash', '=', hashSecret(nonce))
    .where('expires_at', '>', clock(deps))
    .returning('nonce_hash')
    .executeTakeFirst();
  return Boolean(row);
}
