// Credentials: the OB 3.0 credential engine. Issuers (did:web) and their keys, the credential builder,
// signing (eddsa-rdfc-2022 Data Integrity, then RS256 VC-JWT), Bitstring Status Lists, baking and
// verification. This file is the module's public face: other modules import only from here.
//
// Identifiers: the default issuer is `did:web:<BASE_URL host>` (DID document at /.well-known/did.json);
// extra issuers are `did:web:<host>:issuers:<slug>` (at /issuers/<slug>/did.json). The issuer's OB 3.0
// Profile (whose `id` is the DID) is served at `${BASE_URL}/issuers/<slug>`. Key ids are
// `<did>#ed25519-<date>-<rand>` / `<did>#rsa-<date>-<rand>`: the DI verificationMethod and the JWS kid.

export {
  ensureDefaultIssuer,
  issuerForIssuing,
  followBaseUrl,
  issuerIdentityDrift,
  describeDrift,
  didFor,
  upsertIssuer,
  getIssuer,
  listIssuers,
  issuerProfile,
  issuerProfileUrl,
  didDocument,
  rotateKeys,
  DEFAULT_ISSUER_ID,
  type Issuer,
  type IssuerProps,
  type IssuerDrift,
} from './issuers';
export { issuerLogo, setIssuerLogo, removeIssuerLogo, type IssuerLogo } from './logos';
export { multibaseDecode } from './multibase';
export { jwks, listKeys, type KeySummary } from './keys';
export { bindPlatformIssuer, issuerIdForPlatform, platformIssuer, platformIssuerSlug, unbindPlatformIssuer } from './institution';
export { didWebFor, didWebDocumentUrl, resolveDidUrl, type DidDocument } from './did';
export {
  buildOpenBadgeCredential,
  credentialStatusOf,
  identityHash,
  ACHIEVEMENT_CREDENTIAL_SCHEMA,
  type CredentialFacts,
  type IssuerProfile,
  type Alignment,
  type UnsignedCredential,
} from './builder';
export { createSigner, type CredentialSigner, type SignedOutput, type SignerOptions } from './signer';
export {
  allocateStatusEntry,
  allocateStatusRange,
  statusEntryOf,
  setStatus,
  statusListCredential,
  statusListUrl,
  getStatusList,
  encodeStatusList,
  decodeStatusList,
  MIN_STATUS_LIST_SIZE,
  type StatusEntry,
  type StatusRange,
} from './status-list';
export { bakePng, extractFromPng, PNG_KEYWORD, MAX_PNG_BYTES } from './baking/png';
export { bakeSvg, extractFromSvg, OB_SVG_NAMESPACE, MAX_SVG_BYTES } from './baking/svg';
export { defaultBadgeSvg, defaultBadgePng, type BadgeArtProps, type BadgeShape } from './baking/badge-art';
export { explainVerification, type CheckView, type VerdictView } from './verify/explain';
export {
  verifyCredential,
  verdictOf,
  MAX_CREDENTIAL_BYTES,
  type VerificationResult,
  type Check,
  type CheckStatus,
  type KeyTrust,
  type Verdict,
  type VerifyDeps,
} from './verify';
export { createVerifier, defaultSchemaLoader, type Verifier, type VerifierOptions } from './verifier';
export { credentialEngine, credentialEngineFor, type CredentialEngine, type CredentialEngineProps } from './engine';
export { createSchemaValidator, directorySchemaLoader, standardsSchemaLoader, type SchemaLoader, type SchemaValidator } from './schema';
export { createDocumentLoader, builtInContexts, type ContextMap } from './contexts';
export type { PublicJwk, KeyAlgorithm } from './tables';
export { createCredentialSignPool, defaultIssueSignThreads, type CredentialSignPool } from './sign-pool';
export { onPlatformIssuerChanged, type PlatformIssuerChangedHook } from './institution';
export { issuerNames } from './issuer-names';
