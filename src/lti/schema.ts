import { z } from 'zod';

/** Claim names of LTI 1.3 / Advantage id_tokens. */
export const CLAIM = {
  messageType: 'https://purl.imsglobal.org/spec/lti/claim/message_type',
  version: 'https://purl.imsglobal.org/spec/lti/claim/version',
  deploymentId: 'https://purl.imsglobal.org/spec/lti/claim/deployment_id',
  targetLinkUri: 'https://purl.imsglobal.org/spec/lti/claim/target_link_uri',
  resourceLink: 'https://purl.imsglobal.org/spec/lti/claim/resource_link',
  roles: 'https://purl.imsglobal.org/spec/lti/claim/roles',
  context: 'https://purl.imsglobal.org/spec/lti/claim/context',
  custom: 'https://purl.imsglobal.org/spec/lti/claim/custom',
  toolPlatform: 'https://purl.imsglobal.org/spec/lti/claim/tool_platform',
  ags: 'https://purl.imsglobal.org/spec/lti-ags/claim/endpoint',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice',
  deepLinkingSettings: 'https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings',
} as const;

// LMSs send ids as strings, but a few older ones send numbers; both are accepted and kept as strings.
const id = z.union([z.string().min(1), z.number()]).transform(String);

const contextClaim = z.object({ id, label: z.string().nullish(), title: z.string().nullish() });

/** An id_token's claims after its signature was verified: what Laurel relies on, validated once. */
export const launchClaimsSchema = z
  .object({
    iss: z.string().min(1),
    aud: z.union([z.string(), z.array(z.string()).min(1)]),
    azp: z.string().optional(),
    sub: id,
    exp: z.number(),
    iat: z.number(),
    nonce: z.string().min(1),
    name: z.string().nullish(),
    given_name: z.string().nullish(),
    family_name: z.string().nullish(),
    email: z.string().nullish(),
    [CLAIM.messageType]: z.enum(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']),
    [CLAIM.version]: z.literal('1.3.0'),
    [CLAIM.deploymentId]: id,
    [CLAIM.targetLinkUri]: z.string().optional(),
    [CLAIM.roles]: z.array(z.string()),
    [CLAIM.resourceLink]: z.object({ id, title: z.string().nullish() }).optional(),
    [CLAIM.context]: contextClaim.optional(),
    [CLAIM.custom]: z.record(z.string(), z.unknown()).optional(),
    [CLAIM.ags]: z.object({ lineitems: z.string().optional(), lineitem: z.string().optional(), scope: z.array(z.string()).optional() }).optional(),
    [CLAIM.nrps]: z.object({ context_memberships_url: z.string() }).optional(),
    [CLAIM.deepLinkingSettings]: z.object({ deep_link_return_url: z.string(), accept_types: z.array(z.string()) }).passthrough().optional(),
  })
  .passthrough()
  .superRefine((claims, ctx) => {
    // The LTI core spec's required claims per message type (ltijs checks only some of them).
    if (claims[CLAIM.messageType] === 'LtiResourceLinkRequest') {
      if (!claims[CLAIM.resourceLink]) ctx.addIssue({ code: 'custom', path: [CLAIM.resourceLink], message: 'is required in a resource link launch' });
      if (!claims[CLAIM.targetLinkUri]) ctx.addIssue({ code: 'custom', path: [CLAIM.targetLinkUri], message: 'is required in a resource link launch' });
    } else if (!claims[CLAIM.deepLinkingSettings]) {
      ctx.addIssue({ code: 'custom', path: [CLAIM.deepLinkingSettings], message: 'is required in a deep linking request' });
    }
  });

export type LaunchClaims = z.infer<typeof launchClaimsSchema>;

/** The OIDC third-party login initiation (GET query or POST form). */
export const loginInitiationSchema = z.object({
  iss: z.string().min(1),
  login_hint: z.string().min(1),
  target_link_uri: z.string().min(1),
  client_id: z.string().optional(),
  lti_message_hint: z.string().optional(),
  lti_deployment_id: z.string().optional(),
  lti_storage_target: z.string().optional(),
});
export type LoginInitiation = z.infer<typeof loginInitiationSchema>;
