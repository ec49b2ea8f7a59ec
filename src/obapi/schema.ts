import { z } from 'zod';

const url = z.string().max(2000).url();

/** Dynamic client registration request (RFC 7591 as profiled by OB 3.0). Unknown members are ignored. */
export const registrationRequest = z.object({
  client_name: z.string().trim().min(1).max(200),
  client_uri: url,
  logo_uri: url.optional(),
  tos_uri: url.optional(),
  policy_uri: url.optional(),
  software_id: z.string().max(200).optional(),
  software_version: z.string().max(100).optional(),
  redirect_uris: z.array(url).min(1).max(10),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post']).optional(),
  grant_types: z.array(z.string().max(100)).max(5).optional(),
  response_types: z.array(z.string().max(50)).max(5).optional(),
  scope: z.string().min(1).max(1000),
});
export type RegistrationRequest = z.infer<typeof registrationRequest>;

/** The /authorize query, parsed leniently: the use-case decides which errors may be redirected. */
export const authorizeQuery = z.object({
  response_type: z.string().max(50).optional(),
  client_id: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  scope: z.string().max(1000).optional(),
  state: z.string().max(500).optional(),
  code_challenge: z.string().max(200).optional(),
  code_challenge_method: z.string().max(20).optional(),
});
export type AuthorizeQuery = z.infer<typeof authorizeQuery>;

export const consentForm = z.object({
  request_id: z.string().uuid(),
  decision: z.enum(['approve', 'deny']),
  _csrf: z.string().max(200),
});

export const tokenRequest = z.object({
  grant_type: z.string().max(100),
  code: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  code_verifier: z.string().max(200).optional(),
  refresh_token: z.string().max(200).optional(),
  scope: z.string().max(1000).optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(200).optional(),
});
export type TokenRequest = z.infer<typeof tokenRequest>;

export const revokeRequest = z.object({
  token: z.string().max(200),
  token_type_hint: z.string().max(50).optional(),
  client_id: z.string().max(200).optional(),
  client_secret: z.string().max(200).optional(),
});

/** getCredentials paging (OB 3.0 openapi: limit >= 1, offset >= 0, since = date-time). */
export const credentialsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
  since: z.string().datetime({ offset: true }).optional(),
});
export type CredentialsQuery = z.infer<typeof credentialsQuery>;
