import { z } from 'zod';

/** Token request (form-encoded), pre-authorized code grant (OpenID4VCI 1.0 section 6.1). */
export const tokenRequest = z.object({
  grant_type: z.string().max(200),
  'pre-authorized_code': z.string().min(1).max(200).optional(),
  tx_code: z.string().max(64).optional(),
});
export type TokenRequest = z.infer<typeof tokenRequest>;

/** Credential request (section 8.2); unknown members are ignored, as the specification asks. */
export const credentialRequest = z.object({
  credential_configuration_id: z.string().max(200).optional(),
  credential_identifier: z.string().max(200).optional(),
  proofs: z.object({ jwt: z.array(z.string().max(8192)).max(10).optional() }).passthrough().optional(),
  // Draft-era singular form: named so it can be refused precisely.
  proof: z.unknown().optional(),
  credential_response_encryption: z.unknown().optional(),
});
export type CredentialRequest = z.infer<typeof credentialRequest>;

/** The learner's "Add to a wallet" form. */
export const offerForm = z.object({ txCode: z.enum(['on']).optional() });
