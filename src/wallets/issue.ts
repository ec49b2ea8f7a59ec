import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { awardStatusForShare, effectiveStatus, findCredential, getAward } from '../badges';
import { allocateStatusEntry, credentialStatusOf } from '../credentials';
import { protocolError } from '../http';
import { clock, type WalletsDeps } from './deps';
import { holderBoundCopy } from './holder-copy';
import { verifyKeyProof } from './key-proof';
import { CONFIGURATIONS, type ConfigurationId } from './metadata';
import { consumeNonce } from './nonces';
import type { CredentialRequest } from './schema';
import { hashSecret } from './secrets';
import { walletsDb } from './tables';
import type { FoundationTables } from '../db';

export interface IssuedToWallet {
  /** The Data Integrity document (ldp_vc) or the compact JWS (jwt_vc_json). */
  credential: Record<string, unknown> | string;
  holderId: string;
  id: string;
}

/** The access token's row, or `invalid_token` (401) when it is unknown or expired. */
async function accessTokenRow(deps: WalletsDeps, token: string) {
  const row = await walletsDb(deps.db).selectFrom('wallet_access_tokens').selectAll().where('token_hash', '=', hashSecret(token)).executeTakeFirst();
  if (!row || row.expires_at <= clock(deps)) throw protocolError('invalid_token', 'The access token is not valid or has expired.', { unauthenticated: true });
  return row;
}

/**
 * The credential endpoint (OpenID4VCI 1.0 section 8): verifies the wallet's key proof and issues a
 * holder-bound copy of the award's credential in the requested configuration, once per
 * configuration and token. Signed by the credentials module's signer.
 */
export async function issueToWallet(deps: WalletsDeps, props: { accessToken: string; request: CredentialRequest }): Promise<IssuedToWallet> {
  const token = await accessTokenRow(deps, props.accessToken);
  const { request } = props;
  if (request.credential_identifier !== undefined) throw protocolError('unknown_credential_identifier', 'This issuer hands out no credential identifiers; name a credential_configuration_id.');
  const configurationId = request.credential_configuration_id;
  if (configurationId === undefined) throw protocolError('invalid_credential_request', 'credential_configuration_id is required.');
  if (!(configurationId in CONFIGURATIONS)) throw protocolError('unknown_credential_configuration', `No credential configuration is called ${configurationId}.`);
  const format = CONFIGURATIONS[configurationId as ConfigurationId];
  if (token.issued_configurations.includes(configurationId)) throw protocolError('credential_request_denied', 'This configuration was already issued with this access token.');
  if (request.proof !== undefined) throw protocolError('invalid_credential_request', 'Send key proofs as proofs.jwt (OpenID4VCI 1.0); the singular proof member is not accepted.');
  if (request.credential_response_encryption !== undefined) throw protocolError('invalid_encryption_parameters', 'Credential response encryption is not offered.');
  const proofs = request.proofs?.jwt;
  if (!proofs || proofs.length !== 1) throw protocolError('invalid_proof', 'Send exactly one key proof in proofs.jwt (batch issuance is not offered).');

  const now = clock(deps);
  const holder = await verifyKeyProof(proofs[0]!, { audience: deps.config.BASE_URL, now, consumeNonce: (nonce) => consumeNonce(deps, nonce) });

  const award = await getAward(deps, token.award_id).catch(() => undefined);
  const original = award?.credential_id ? await findCredential(deps, award.credential_id) : undefined;
  if (!award || !original || effectiveStatus(award, now) !== 'issued') throw protocolError('credential_request_denied', 'The badge is no longer valid.');

  const id = randomUUID();
  const status = await deps.db.transaction().execute((trx) => allocateStatusEntry<FoundationTables>(trx, original.issuer_id, deps.config));
  const unsigned = holderBoundCopy(original.document, { id: `urn:uuid:${id}`, holderId: holder.holderId, credentialStatus: credentialStatusOf(status), validFrom: now });
  const signer = await deps.signer();
  const credential = format === 'ldp_vc'
    ? await signer.signDataIntegrity(original.issuer_id, unsigned)
    : (await signer.signJwt(original.issuer_id, unsigned)).jws;

  await deps.db.transaction().execute(async (trx) => {
    // Shares the award's row lock with revokeAward: either this copy is stored before a revocation
    // (whose hook then revokes it) or the revocation is seen here and nothing is handed out.
    const current = await awardStatusForShare(trx, award.id);
    if (!current || effectiveStatus(current, now) !== 'issued') {
      throw protocolError('credential_request_denied', 'The badge was revoked.');
    }
    const db = walletsDb(trx);
    const claimed = await db.updateTable('wallet_access_tokens')
      .set({ issued_configurations: sql`array_append(issued_configurations, ${configurationId}::text)` })
      .where('token_hash', '=', token.token_hash)
      .where(sql<boolean>`not (${configurationId}::text = any(issued_configurations))`)
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) throw protocolError('credential_request_denied', 'This configuration was already issued with this access token.');
    await db.insertInto('holder_credentials').values({
      id, award_id: award.id, offer_id: token.offer_id, holder_id: holder.holderId, format,
      document: typeof credential === 'string' ? null : JSON.stringify(credential),
      jws: typeof credential === 'string' ? credential : null,
      status_list_id: status.listId, status_index: status.statusListIndex,
    }).execute();
  });
  return { credential, holderId: holder.holderId, id: `urn:uuid:${id}` };
}
