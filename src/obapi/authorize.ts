import { LaurelError } from '../errors';
import { hashSecret, randomToken } from '../crypto';
import { findClient, type ObApiClient } from './clients';
import { clock, later, limitsOf, type ObApiDeps } from './deps';
import type { AuthorizeQuery } from './schema';
import { formatScope, parseScope, withinScope } from './scopes';
import { sweepExpired } from './sweep';
import { obapiDb } from './tables';

export type AuthorizationStart =
  /** The learner must sign in first (through their course, or a one-time link from their Laurel page). */
  | { kind: 'sign-in'; client: ObApiClient }
  /** Ask the learner; the decision form names `requestId`. */
  | { kind: 'consent'; client: ObApiClient; requestId: string; scopes: string[] }
  /** An error the client must hear about at its redirect URI (RFC 6749 section 4.1.2.1). */
  | { kind: 'redirect'; location: string };

const CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** `redirect_uri` with the given parameters added (and `iss`, RFC 9207, so a client can tell servers apart). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>, issuer: string): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.set(name, value);
  url.searchParams.set('iss', issuer);
  return url.toString();
}

/**
 * Validates an authorization request. An unknown client or an unregistered redirect URI is shown to
 * the learner and never redirected to (an open redirector otherwise); everything else goes back to
 * the client. PKCE with S256 is required of every client; scopes must be among those it registered.
 */
export async function startAuthorization(deps: ObApiDeps, props: { query: AuthorizeQuery; learnerId?: string }): Promise<AuthorizationStart> {
  const q = props.query;
  const client = q.client_id ? await findClient(deps, q.client_id) : undefined;
  if (!client) throw new LaurelError('ERR_NOT_FOUND', 'The app that sent you here is not registered with Laurel.');
  const redirectUri = q.redirect_uri ?? (client.redirect_uris.length === 1 ? client.redirect_uris[0] : undefined);
  if (!redirectUri || !client.redirect_uris.includes(redirectUri)) throw new LaurelError('ERR_VALIDATION', 'The app sent you here with a return address it did not register, so Laurel will not send you back to it.');
  const issuer = deps.config.BASE_URL;
  const refuse = (error: string, description: string): AuthorizationStart => ({ kind: 'redirect', location: redirectWith(redirectUri, { error, error_description: description, state: q.state }, issuer) });
  if (q.response_type !== 'code') return refuse('unsupported_response_type', 'Only response_type=code is offered.');
  if (q.code_challenge_method !== 'S256' || !q.code_challenge || !CHALLENGE.test(q.code_challenge)) return refuse('invalid_request', 'PKCE is required: code_challenge (S256) and code_challenge_method=S256.');
  const scopes = parseScope(q.scope);
  if (scopes.length === 0 || !withinScope(scopes, parseScope(client.scope))) return refuse('invalid_scope', 'The scope asked for is not among the scopes this client registered.');
  if (!props.learnerId) return { kind: 'sign-in', client };
  await sweepExpired(deps);
  const row = await obapiDb(deps.db).insertInto('obapi_authorization_requests').values({
    client_id: client.id, learner_id: props.learnerId, redirect_uri: redirectUri, scope: formatScope(scopes), state: q.state ?? null,
    code_challenge: q.code_challenge, expires_at: later(clock(deps), limitsOf(deps).authorizationRequestSeconds),
  }).returning('id').executeTakeFirstOrThrow();
  return { kind: 'consent', client, requestId: row.id, scopes };
}

/**
 * The learner's answer, once per request and only by the learner it was shown to. Approval records
 * the grant (what the learner later sees and revokes) and returns the redirect carrying a
 * single-use code bound to the client, the redirect URI and the PKCE challenge.
 */
export async function decideAuthorization(deps: ObApiDeps, props: { requestId: string; learnerId: string; approve: boolean }): Promise<string> {
  const now = clock(deps);
  return obapiDb(deps.db).transaction().execute(async (trx) => {
    const request = await trx.updateTable('obapi_authorization_requests').set({ decided_at: now })
      .where('id', '=', props.requestId).where('learner_id', '=', props.learnerId).where('decided_at', 'is', null).where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
    if (!request) throw new LaurelError('ERR_NOT_FOUND', 'This request has expired or was already answered: go back to the app and start again.');
    const issuer = deps.config.BASE_URL;
    if (!props.approve) return redirectWith(request.redirect_uri, { error: 'access_denied', error_description: 'The learner did not allow access.', state: request.state ?? undefined }, issuer);
    const existing = await trx.selectFrom('obapi_grants').selectAll().where('client_id', '=', request.client_id).where('learner_id', '=', props.learnerId).where('revoked_at', 'is', null).forUpdate().executeTakeFirst();
    const grantId = existing
      ? (await trx.updateTable('obapi_grants').set({ scope: formatScope([...new Set([...parseScope(existing.scope), ...parseScope(request.scope)])]) }).where('id', '=', existing.id).returning('id').executeTakeFirstOrThrow()).id
      : (await trx.insertInto('obapi_grants').values({ client_id: request.client_id, learner_id: props.learnerId, scope: request.scope }).returning('id').executeTakeFirstOrThrow()).id;
    const code = randomToken();
    await trx.insertInto('obapi_codes').values({
      code_hash: hashSecret(code), grant_id: grantId, client_id: request.client_id, redirect_uri: request.redirect_uri,
      // The code carries the scope of this request only, not everything granted before.
      scope: request.scope, code_challenge: request.code_challenge, expires_at: later(now, limitsOf(deps).codeSeconds),
    }).execute();
    return redirectWith(request.redirect_uri, { code, state: request.state ?? undefined }, issuer);
  });
}
