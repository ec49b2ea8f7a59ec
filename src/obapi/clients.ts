import { LaurelError } from '../errors';
import { hashSecret, randomToken, sameHash } from '../crypto';
import { protocolError } from '../http';
import type { ObApiDeps } from './deps';
import type { RegistrationRequest } from './schema';
import { formatScope, parseScope, SUPPORTED_SCOPES } from './scopes';
import { obapiDb, type ObApiTables } from './tables';
import type { Selectable } from 'kysely';

export type ObApiClient = Selectable<ObApiTables['obapi_clients']>;

/** Redirect URIs: https, or http on a loopback host outside production (RFC 8252 native apps); never a fragment. */
function acceptableRedirect(uri: string, production: boolean): boolean {
  let parsed: URL;
  try {
    parsed = new URL(uri);
  } catch {
    return false;
  }
  if (parsed.hash || parsed.username || parsed.password) return false;
  if (parsed.protocol === 'https:') return true;
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  return parsed.protocol === 'http:' && (!production || loopback);
}

/**
 * Registers a client (OAuth 2.0 Dynamic Client Registration, RFC 7591, as OB 3.0 profiles it). The
 * client is granted the supported scopes it asked for; its secret is returned once and stored hashed.
 */
export async function registerClient(deps: ObApiDeps, request: RegistrationRequest) {
  const production = deps.config.NODE_ENV === 'production';
  const bad = request.redirect_uris.find((uri) => !acceptableRedirect(uri, production));
  if (bad) throw protocolError('invalid_redirect_uri', `Redirect URI not accepted (https only, no fragment): ${bad.slice(0, 200)}`);
  if (request.grant_types && request.grant_types.some((g) => g !== 'authorization_code' && g !== 'refresh_token')) {
    throw protocolError('invalid_client_metadata', 'Only the authorization_code and refresh_token grants are offered.');
  }
  if (request.response_types && request.response_types.some((r) => r !== 'code')) throw protocolError('invalid_client_metadata', 'Only response type code is offered.');
  const scopes = parseScope(request.scope).filter((s) => SUPPORTED_SCOPES.includes(s));
  if (scopes.length === 0) throw protocolError('invalid_client_metadata', `Ask for at least one of the scopes this host offers: ${SUPPORTED_SCOPES.join(' ')}`);
  const clientId = randomToken(16);
  const clientSecret = randomToken();
  const row = await obapiDb(deps.db).insertInto('obapi_clients').values({
    id: clientId, secret_hash: hashSecret(clientSecret), name: request.client_name, client_uri: request.client_uri,
    logo_uri: request.logo_uri ?? null, tos_uri: request.tos_uri ?? null, policy_uri: request.policy_uri ?? null,
    software_id: request.software_id ?? null, software_version: request.software_version ?? null,
    redirect_uris: request.redirect_uris, scope: formatScope(scopes),
  }).returningAll().executeTakeFirstOrThrow();
  return {
    client_id: clientId,
    client_secret: clientSecret,
    client_id_issued_at: Math.floor(row.created_at.getTime() / 1000),
    client_secret_expires_at: 0,
    client_name: row.name,
    client_uri: row.client_uri,
    ...(row.logo_uri ? { logo_uri: row.logo_uri } : {}),
    ...(row.tos_uri ? { tos_uri: row.tos_uri } : {}),
    ...(row.policy_uri ? { policy_uri: row.policy_uri } : {}),
    ...(row.software_id ? { software_id: row.software_id } : {}),
    ...(row.software_version ? { software_version: row.software_version } : {}),
    redirect_uris: row.redirect_uris,
    token_endpoint_auth_method: request.token_endpoint_auth_method ?? 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: row.scope,
  };
}

export async function findClient(deps: ObApiDeps, clientId: string): Promise<ObApiClient | undefined> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(clientId)) return undefined;
  return obapiDb(deps.db).selectFrom('obapi_clients').selectAll().where('id', '=', clientId).executeTakeFirst();
}

/** Client authentication at the token and revocation endpoints; one message for every failure. */
export async function authenticateClient(deps: ObApiDeps, credentials: { clientId?: string; clientSecret?: string }): Promise<ObApiClient> {
  const client = credentials.clientId ? await findClient(deps, credentials.clientId) : undefined;
  const presented = hashSecret(credentials.clientSecret ?? '');
  // Compare even when the client is unknown, so timing does not reveal which client ids exist.
  const ok = sameHash(presented, client?.secret_hash ?? hashSecret('no client'));
  if (!client || !ok || !credentials.clientSecret) throw protocolError('invalid_client', 'Client authentication failed.', { unauthenticated: true });
  return client;
}

export function clientNotFound(): LaurelError {
  return new LaurelError('ERR_NOT_FOUND', 'No client is registered with this client_id.');
}
