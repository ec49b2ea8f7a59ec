import { hashSecret, randomToken } from '../crypto';
import { clock, later, limitsOf, type ObApiDeps } from './deps';
import { parseScope, SCOPE_DESCRIPTIONS } from './scopes';
import { obapiDb } from './tables';

export interface Connection {
  grantId: string;
  clientName: string;
  clientUri: string;
  scopes: { scope: string; description: string }[];
  connectedAt: Date;
}

/** The apps a learner has allowed, newest first (what their page lists and lets them revoke). */
export async function learnerConnections(deps: ObApiDeps, learnerId: string): Promise<Connection[]> {
  const rows = await obapiDb(deps.db).selectFrom('obapi_grants').innerJoin('obapi_clients', 'obapi_clients.id', 'obapi_grants.client_id')
    .select(['obapi_grants.id', 'obapi_grants.scope', 'obapi_grants.created_at', 'obapi_clients.name', 'obapi_clients.client_uri'])
    .where('obapi_grants.learner_id', '=', learnerId).where('obapi_grants.revoked_at', 'is', null)
    .orderBy('obapi_grants.created_at', 'desc').limit(200).execute();
  return rows.map((r) => ({
    grantId: r.id, clientName: r.name, clientUri: r.client_uri, connectedAt: r.created_at,
    scopes: parseScope(r.scope).map((scope) => ({ scope, description: SCOPE_DESCRIPTIONS[scope] ?? scope })),
  }));
}

/** A one-time sign-in link for the consent page, made from the learner's Laurel page (short-lived, single use). */
export async function createSignInLink(deps: ObApiDeps, learnerId: string): Promise<{ url: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = later(clock(deps), limitsOf(deps).signInLinkSeconds);
  await obapiDb(deps.db).insertInto('obapi_sign_in_links').values({ token_hash: hashSecret(token), learner_id: learnerId, expires_at: expiresAt }).execute();
  return { url: `${deps.config.BASE_URL}/oauth/sign-in/${token}`, expiresAt };
}

/** Spends a sign-in link: the learner it was made for, once, before it expires. */
export async function useSignInLink(deps: ObApiDeps, token: string): Promise<string | undefined> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return undefined;
  const now = clock(deps);
  const row = await obapiDb(deps.db).updateTable('obapi_sign_in_links').set({ used_at: now })
    .where('token_hash', '=', hashSecret(token)).where('used_at', 'is', null).where('expires_at', '>', now)
    .returning('learner_id').executeTakeFirst();
  return row?.learner_id;
}
