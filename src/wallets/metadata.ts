import { PROOF_SIGNING_ALGORITHMS } from './key-proof';

/** The credential configurations Laurel offers: one OpenBadgeCredential, in two formats. */
export const CONFIGURATIONS = {
  OpenBadgeCredential_ldp_vc: 'ldp_vc',
  OpenBadgeCredential_jwt_vc_json: 'jwt_vc_json',
} as const;
export type ConfigurationId = keyof typeof CONFIGURATIONS;
export type WalletFormat = (typeof CONFIGURATIONS)[ConfigurationId];
export const CONFIGURATION_IDS = Object.keys(CONFIGURATIONS) as ConfigurationId[];

export const PRE_AUTHORIZED_GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

const VC_TYPES = ['VerifiableCredential', 'OpenBadgeCredential'];
const CONTEXTS = ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'];

export const walletUrls = {
  authorizationServer: (base: string) => `${base}/oid4vci`,
  token: (base: string) => `${base}/oid4vci/token`,
  nonce: (base: string) => `${base}/oid4vci/nonce`,
  credential: (base: string) => `${base}/oid4vci/credential`,
  offer: (base: string, id: string) => `${base}/oid4vci/offers/${id}`,
};

export interface IssuerDisplay {
  name: string;
  logoUrl?: string;
}

/** Credential Issuer Metadata (OpenID4VCI 1.0 section 12.2), served at /.well-known/openid-credential-issuer. */
export function credentialIssuerMetadata(baseUrl: string, issuer: IssuerDisplay): Record<string, unknown> {
  const logo = issuer.logoUrl ? { uri: issuer.logoUrl, alt_text: `${issuer.name} logo` } : undefined;
  const common = {
    scope: 'OpenBadgeCredential',
    cryptographic_binding_methods_supported: ['did:key', 'did:jwk', 'jwk'],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: [...PROOF_SIGNING_ALGORITHMS] } },
    credential_metadata: {
      display: [{ name: 'Open Badge', locale: 'en', description: `A badge issued by ${issuer.name}`, ...(logo ? { logo } : {}) }],
    },
  };
  return {
    credential_issuer: baseUrl,
    authorization_servers: [walletUrls.authorizationServer(baseUrl)],
    credential_endpoint: walletUrls.credential(baseUrl),
    nonce_endpoint: walletUrls.nonce(baseUrl),
    display: [{ name: issuer.name, locale: 'en', ...(logo ? { logo } : {}) }],
    credential_configurations_supported: {
      OpenBadgeCredential_ldp_vc: {
        format: 'ldp_vc',
        ...common,
        credential_signing_alg_values_supported: ['eddsa-rdfc-2022'],
        credential_definition: { '@context': CONTEXTS, type: VC_TYPES },
      },
      OpenBadgeCredential_jwt_vc_json: {
        format: 'jwt_vc_json',
        ...common,
        credential_signing_alg_values_supported: ['RS256'],
        credential_definition: { type: VC_TYPES },
      },
    },
  };
}

/** OAuth 2.0 Authorization Server Metadata (RFC 8414) of the pre-authorized code flow's token endpoint. */
export function authorizationServerMetadata(baseUrl: string): Record<string, unknown> {
  return {
    issuer: walletUrls.authorizationServer(baseUrl),
    token_endpoint: walletUrls.token(baseUrl),
    grant_types_supported: [PRE_AUTHORIZED_GRANT],
    response_types_supported: [],
    token_endpoint_auth_methods_supported: ['none'],
    'pre-authorized_grant_anonymous_access_supported': true,
  };
}

/** The Credential Offer (section 4.1.1) served by reference at `credential_offer_uri`. */
export function credentialOffer(baseUrl: string, props: { preAuthorizedCode: string; txCode?: { length: number } }): Record<string, unknown> {
  const grant: Record<string, unknown> = { 'pre-authorized_code': props.preAuthorizedCode };
  if (props.txCode) grant.tx_code = { input_mode: 'numeric', length: props.txCode.length, description: 'The code shown on your Laurel badge page' };
  return { credential_issuer: baseUrl, credential_configuration_ids: [...CONFIGURATION_IDS], grants: { [PRE_AUTHORIZED_GRANT]: grant } };
}

/** The link a wallet app opens (same device) or scans (QR code): the offer by reference. */
export function offerLink(baseUrl: string, offerId: string): string {
  return `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(walletUrls.offer(baseUrl, offerId))}`;
}
