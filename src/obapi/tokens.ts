import { createHash } from 'node:crypto';
import type { Transaction } from 'kysely';
import { hashSecret, randomToken, sameHash } from '../crypto';
import { protocolError } from '../http';
import type { ObApiClient } from './clients';
import { clock, later, limitsOf, type ObApiDeps } from './deps';
import { formatScope, parseScope, withinScope } from './scopes';
import { obapiDb, type ObApiTables } from './tables';

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  refresh_token: string;
  scope: string;
}

const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

async function issueTokens(deps: ObApiDeps, trx: Transaction<ObApiTables>, grantId: string, scope: string): Promise<TokenResponse> {
  const now = clock(deps);
  const limits = limitsOf(deps);
  const access = randomToken();
  const refresh = randomToken();
  await trx.insertInto('obapi_tokens').values([
    { token_hash: hashSecret(access), grant_id: grantId, kind: 'access', scope, expires_at: later(now, limits.accessTokenSeconds) },
    { token_hash: hashSecret(refresh), grant_id: grantId, kind: 'refresh', scope, expires_at: later(now, limits.refreshTokenSeconds) },
  ]).execute();
  return { access_token: access, token_type: 'Bearer', expires_in: limits.accessTokenSeconds, refresh_token: refresh, scope };
}

/** Withdraws every token of a grant and the grant itself (the learner's revocation, or a detected replay). */
async function revokeGrant(trx: Transaction<ObApiTables>, grantId: string, now: Date): Promise<void> {
  await trx.updateTable('obapi_tokens').set({ revoked_at: now }).where('grant_id', '=', grantId).where('revoked_at', 'is', null).execute();
  await trx.updateTable('obapi_grants').set({ revoked_at: now }).where('id', '=', grantId).where('revoked_at', 'is', null).execute();
}

/**
 * Authorization code grant with PKCE. The code is single use: presenting it again withdraws the
 * grant it produced (RFC 6749 section 4.1.2, a replay means the code leaked).
 */
export async function exchangeCode(deps: ObApiDeps, client: ObApiClient, props: { code?: string; redirectUri?: string; codeVerifier?: string }): Promise<TokenResponse> {
  if (!props.code || !props.redirectUri) throw protocolError('invalid_request', 'code and redirect_uri are required.');
  if (!props.codeVerifier || !VERIFIER.test(props.codeVerifier)) throw protocolError('invalid_request', 'A code_verifier (43 to 128 unreserved characters) is required.');
  const now = clock(deps);
  const outcome = await obapiDb(deps.db).transaction().execute(async (trx) => {
    const code = await trx.selectFrom('obapi_codes').selectAll().where('code_hash', '=', hashSecret(props.code!)).forUpdate().executeTakeFirst();
    if (!code || code.client_id !== client.id) return { error: protocolError('invalid_grant', 'The authorization code is not valid for this client.') };
    if (code.used_at) {
      await revokeGrant(trx, code.grant_id, now);
      return { error: protocolError('invalid_grant', 'The authorization code was already used; the tokens it produced are revoked.') };
    }
    await trx.updateTable('obapi_codes').set({ used_at: now }).where('code_hash', '=', code.code_hash).execute();
    if (code.expires_at <= now) return { error: protocolError('invalid_grant', 'The authorization code has expired.') };
    if (code.redirect_uri !== props.redirectUri) return { error: protocolError('invalid_grant', 'redirect_uri differs from the authorization request.') };
    const computed = createHash('sha256').update(props.codeVerifier!).digest('base64url');
    if (!sameHash(Buffer.from(computed).toString('hex'), Buffer.from(code.code_challenge).toString('hex'))) {
      return { error: protocolError('invalid_grant', 'The code_verifier does not match the code_challenge (PKCE).') };
    }
    const grant = await trx.selectFrom('obapi_grants').select(['id', 'revoked_at']).where('id', '=', code.grant_id).executeTakeFirst();
    if (!grant || grant.revoked_at) return { error: protocolError('invalid_grant', 'The learner has withdrawn this access.') };
    return { tokens: await issueTokens(deps, trx, grant.id, code.scope) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.tokens;
}

/** Refresh token grant: rotates the refresh token; a reused one withdraws the whole grant (it leaked). */
export async function refreshTokens(deps: ObApiDeps, client: ObApiClient, props: { refreshToken?: string; scope?: string }): Promise<TokenResponse> {
  if (!props.refreshToken) throw protocolError('invalid_request', 'refresh_token is required.');
  const now = clock(deps);
  const outcome = await obapiDb(deps.db).transaction().execute(async (trx) => {
    const token = await trx.selectFrom('obapi_tokens').innerJoin('obapi_grants', 'obapi_grants.id', 'obapi_tokens.grant_id')
      .select(['obapi_tokens.token_hash', 'obapi_tokens.grant_id', 'obapi_tokens.kind', 'obapi_tokens.scope', 'obapi_tokens.expires_at', 'obapi_tokens.used_at', 'obapi_tokens.revoked_at', 'obapi_grants.client_id', 'obapi_grants.revoked_at as grant_revoked_at'])
      .where('obapi_tokens.token_hash', '=', hashSecret(props.refreshToken!)).forUpdate().executeTakeFirst();
    if (!token || token.kind !== 'refresh' || token.client_id !== client.id) return { error: protocolError('invalid_grant', 'The refresh token is not valid for this client.') };
    if (token.revoked_at || token.grant_revoked_at) return { error: protocolError('invalid_grant', 'The refresh token was revoked.') };
    if (token.used_at) {
      await revokeGrant(trx, token.grant_id, now);
      return { error: protocolError('invalid_grant', 'The refresh token was already used; the grant is revoked.') };
    }
    if (token.expires_at <= now) return { error: protocolError('invalid_grant', 'The refresh token has expired.') };
    const asked = props.scope === undefined ? parseScope(token.scope) : parseScope(props.scope);
    if (asked.length === 0 || !withinScope(asked, parseScope(token.scope))) return { error: protocolError('invalid_scope', 'A refresh cannot widen the scope the learner granted.') };
    await trx.updateTable('obapi_tokens').set({ used_at: now }).where('token_hash', '=', token.token_hash).execute();
    return { tokens: await issueTokens(deps, trx, token.grant_id, formatScope(asked)) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.tokens;
}

/**
 * Token revocation (RFC 7009): always succeeds for the caller; a token of another client is left
 * alone. Revoking a refresh token ends the grant (the connection the learner sees).
 */
export async function revokeToken(deps: ObApiDeps, client: ObApiClient, token: string): Promise<void> {
  const now = clock(deps);
  await obapiDb(deps.db).transaction().execute(async (trx) => {
    const row = await trx.selectFrom('obapi_tokens').innerJoin('obapi_grants', 'obapi_grants.id', 'obapi_tokens.grant_id')
      .select(['obapi_tokens.token_hash', 'obapi_tokens.kind', 'obapi_tokens.grant_id', 'obapi_grants.client_id'])
      .where('obapi_tokens.token_hash', '=', hashSecret(token)).executeTakeFirst();
    if (!row || row.client_id !== client.id) return;
    if (row.kind === 'refresh') await revokeGrant(trx, row.grant_id, now);
    else await trx.updateTable('obapi_tokens').set({ revoked_at: now }).where('token_hash', '=', row.token_hash).execute();
  });
}

export interface AccessContext {
  learnerId: string;
  clientId: string;
  scopes: string[];
}

/** The learner and scopes behind a bearer access token, or `invalid_token` (401). */
export async function authenticateAccessToken(deps: ObApiDeps, token: string): Promise<AccessContext> {
  const row = await obapiDb(deps.db).selectFrom('obapi_tokens').innerJoin('obapi_grants', 'obapi_grants.id', 'obapi_tokens.grant_id')
    .select(['obapi_tokens.kind', 'obapi_tokens.scope', 'obapi_tokens.expires_at', 'obapi_tokens.revoked_at', 'obapi_grants.learner_id', 'obapi_grants.client_id', 'obapi_grants.revoked_at as grant_revoked_at'])
    .where('obapi_tokens.token_hash', '=', hashSecret(token)).executeTakeFirst();
  if (!row || row.kind !== 'access' || row.revoked_at || row.grant_revoked_at || row.expires_at <= clock(deps)) {
    throw protocolError('invalid_token', 'The access token is not valid, has expired or was revoked.', { unauthenticated: true });
  }
  return { learnerId: row.learner_id, clientId: row.client_id, scopes: parseScope(row.scope) };
}

/** The learner's own revocation from their page: only their grants. */
export async function revokeLearnerGrant(deps: ObApiDeps, props: { learnerId: string; grantId: string }): Promise<boolean> {
  const now = clock(deps);
  return obapiDb(deps.db).transaction().execute(async (trx) => {
    const grant = await trx.selectFrom('obapi_grants').select('id').where('id', '=', props.grantId).where('learner_id', '=', props.learnerId).where('revoked_at', 'is', null).executeTakeFirst();
    if (!grant) return false;
    await revokeGrant(trx, grant.id, now);
    return true;
  });
}
