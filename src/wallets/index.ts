// Wallets: Laurel as an OpenID for Verifiable Credential Issuance 1.0 issuer (pre-authorized code
// flow, offers by reference, nonce endpoint, `jwt` key proofs, formats ldp_vc and jwt_vc_json).
// A wallet receives a holder-bound copy of an award's credential, revoked together with the award.
// Owns migrations/670_wallets.sql. This file is the module's public face.
export { createOffer, offerableAward, offerDocument, redeemPreAuthorizedCode, TX_CODE_LENGTH, type CreatedOffer } from './offers';
export { issueToWallet, type IssuedToWallet } from './issue';
export { issueNonce, consumeNonce } from './nonces';
export { verifyKeyProof, PROOF_SIGNING_ALGORITHMS, KEY_PROOF_TYPE } from './key-proof';
export { resolveHolderKey, didJwkOf, type HolderKey } from './holder-key';
export { holderBoundCopy } from './holder-copy';
export { credentialIssuerMetadata, authorizationServerMetadata, credentialOffer, offerLink, walletUrls, CONFIGURATIONS, CONFIGURATION_IDS, PRE_AUTHORIZED_GRANT } from './metadata';
export { revokeHolderCopies } from './revocation';
export { walletsDepsFor, WALLET_DEFAULTS, type WalletsDeps, type WalletLimits } from './deps';
export type { WalletTables } from './tables';
