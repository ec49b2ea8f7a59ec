import { effectiveStatus, getAward } from '../badges';
import { LaurelError } from '../errors';
import { protocolError } from '../http';
import { clock, limitsOf, type WalletsDeps } from './deps';
import { credentialOffer, offerLink, walletUrls } from './metadata';
import { hashSecret, numericCode, preAuthorizedCodeFor, randomToken, sameHash } from './secrets';
import { walletsDb } from './tables';

export const TX_CODE_LENGTH = 6;

export interface CreatedOffer {
  offerId: string;
  /** `openid-credential-offer://?credential_offer_uri=...`: the same-device link and the QR code's content. */
  link: string;
  offerUri: string;
  /** Shown on the learner's page only; the wallet asks for it. */
  txCode?: string;
  expiresAt: Date;
}

/**
 * Creates a short-lived, single-use credential offer for one of the learner's signed, valid awards.
 * The award must be theirs: another learner's award id is answered as not found.
 */
export async function createOffer(deps: WalletsDeps, props: { awardId: string; learnerId: string; withTxCode: boolean }): Promise<CreatedOffer> {
  const now = clock(deps);
  const award = await offerableAward(deps, props);
  const offerId = randomToken(16);
  const code = preAuthorizedCodeFor(deps.config.SESSION_SECRET, offerId);
  const txCode = props.withTxCode ? numericCode(TX_CODE_LENGTH) : undefined;
  const expiresAt = new Date(now.getTime() + limitsOf(deps).offerSeconds * 1000);
  await walletsDb(deps.db).insertInto('wallet_offers').values({
    id: offerId, award_id: award.id, learner_id: props.learnerId, code_hash: hashSecret(code),
    tx_code_hash: txCode ? hashSecret(`${offerId}:${txCode}`) : null, expires_at: expiresAt,
  }).execute();
  // Spent offers are useless a day after they expire (their access tokens go with them): a bounded sweep.
  const before = new Date(now.getTime() - 24 * 3600 * 1000);
  await walletsDb(deps.db).deleteFrom('wallet_offers').where('id', 'in', (eb) => eb.selectFrom('wallet_offers').select('id').where('expires_at', '<', before).limit(100)).execute();
  return { offerId, link: offerLink(deps.config.BASE_URL, offerId), offerUri: walletUrls.offer(deps.config.BASE_URL, offerId), txCode, expiresAt };
}

/** The learner's own signed, valid award, or the refusal the learner sees (another learner's award is "not found"). */
export async function offerableAward(deps: WalletsDeps, props: { awardId: string; learnerId: string }) {
  const award = await getAward(deps, props.awardId).catch(() => undefined);
  if (!award || award.learner_id !== props.learnerId || !award.credential_id) throw new LaurelError('ERR_NOT_FOUND', 'No signed badge of yours has this id.');
  if (effectiveStatus(award, clock(deps)) !== 'issued') throw new LaurelError('ERR_AWARD_REVOKED', 'Only a valid badge can be added to a wallet.');
  return award;
}

/** The offer document a wallet fetches by reference; gone once redeemed or expired. */
export async function offerDocument(deps: WalletsDeps, offerId: string): Promise<Record<string, unknown>> {
  const offer = /^[A-Za-z0-9_-]{16,64}$/.test(offerId)
    ? await walletsDb(deps.db).selectFrom('wallet_offers').select(['id', 'tx_code_hash', 'expires_at', 'redeemed_at']).where('id', '=', offerId).executeTakeFirst()
    : undefined;
  if (!offer || offer.redeemed_at || offer.expires_at <= clock(deps)) throw new LaurelError('ERR_NOT_FOUND', 'This credential offer does not exist, has expired or was already used.');
  return credentialOffer(deps.config.BASE_URL, {
    preAuthorizedCode: preAuthorizedCodeFor(deps.config.SESSION_SECRET, offer.id),
    txCode: offer.tx_code_hash ? { length: TX_CODE_LENGTH } : undefined,
  });
}

export interface IssuedAccessToken {
  accessToken: string;
  expiresIn: number;
}

/**
 * The token endpoint's pre-authorized code grant: exchanges the code (and transaction code, when the
 * offer has one) for an access token, once. A replayed code is refused and the tokens it produced
 * are withdrawn (RFC 6749 section 4.1.2: a code used twice suggests it was stolen).
 */
export async function redeemPreAuthorizedCode(deps: WalletsDeps, props: { code: string; txCode?: string }): Promise<IssuedAccessToken> {
  const now = clock(deps);
  const limits = limitsOf(deps);
  const outcome = await walletsDb(deps.db).transaction().execute(async (trx) => {
    const offer = await trx.selectFrom('wallet_offers').selectAll().where('code_hash', '=', hashSecret(props.code)).forUpdate().executeTakeFirst();
    if (!offer) return { error: protocolError('invalid_grant', 'The pre-authorized code is not valid.') };
    if (offer.redeemed_at) {
      await trx.deleteFrom('wallet_access_tokens').where('offer_id', '=', offer.id).execute();
      return { error: protocolError('invalid_grant', 'The pre-authorized code was already used.') };
    }
    if (offer.expires_at <= now) return { error: protocolError('invalid_grant', 'The pre-authorized code has expired: create a new offer on your badge page.') };
    if (offer.tx_code_hash) {
      if (props.txCode === undefined) return { error: protocolError('invalid_request', 'This offer needs its transaction code (tx_code).') };
      if (!sameHash(hashSecret(`${offer.id}:${props.txCode}`), offer.tx_code_hash)) {
        const failures = offer.tx_code_failures + 1;
        // Guessing is bounded: after the last allowed failure the offer is spent.
        await trx.updateTable('wallet_offers').set({ tx_code_failures: failures, ...(failures >= limits.txCodeAttempts ? { redeemed_at: now } : {}) }).where('id', '=', offer.id).execute();
        return { error: protocolError('invalid_grant', 'The transaction code is wrong.') };
      }
    } else if (props.txCode !== undefined) {
      return { error: protocolError('invalid_request', 'This offer has no transaction code; send none.') };
    }
    const award = await getAward(deps, offer.award_id).catch(() => undefined);
    if (!award || effectiveStatus(award, now) !== 'issued') {
      return { error: protocolError('invalid_grant', 'The badge of this offer is no longer valid.') };
    }
    const accessToken = randomToken();
    await trx.updateTable('wallet_offers').set({ redeemed_at: now }).where('id', '=', offer.id).execute();
    await trx.insertInto('wallet_access_tokens').values({
      token_hash: hashSecret(accessToken), offer_id: offer.id, award_id: offer.award_id, expires_at: new Date(now.getTime() + limits.accessTokenSeconds * 1000),
    }).execute();
    return { token: { accessToken, expiresIn: limits.accessTokenSeconds } };
  });
  // The transaction commits the failure count (and a replay's withdrawal) before the refusal is thrown.
  if ('error' in outcome) throw outcome.error;
  return outcome.token;
}
