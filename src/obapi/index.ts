// OB API: Laurel as an Open Badges 3.0 API host (1EdTech OB 3.0, section "Open Badges API"):
// ServiceDescription discovery, OAuth 2.0 dynamic client registration, authorization code + PKCE
// with the learner's consent, access and refresh tokens (stored hashed) with revocation,
// getCredentials and getProfile. Owns migrations/671_obapi.sql. This file is the module's public face.
export { registerClient, authenticateClient, findClient, type ObApiClient } from './clients';
export { startAuthorization, decideAuthorization, redirectWith, type AuthorizationStart } from './authorize';
export { exchangeCode, refreshTokens, revokeToken, authenticateAccessToken, revokeLearnerGrant, type TokenResponse, type AccessContext } from './tokens';
export { learnerConnections, createSignInLink, useSignInLink, type Connection } from './connections';
export { serviceDescription, pagingLinks, obApiUrls } from './discovery';
export { getCredentials, getProfile } from './resources';
export { OB_SCOPES, SUPPORTED_SCOPES } from './scopes';
export { OBAPI_DEFAULTS, type ObApiDeps, type ObApiLimits } from './deps';
export type { ObApiTables } from './tables';
