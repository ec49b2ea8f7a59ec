import type { Lms } from '../courses';
import { CUSTOM } from './launch';

/** Where Laurel's LTI endpoints live, as platforms must call them. */
export interface ToolUrls {
  /** Public origin, e.g. `https://laurel.example.edu`. */
  baseUrl: string;
  /** Mount path of the LTI router, e.g. `/lti`. */
  basePath: string;
}

/**
 * What a navigation placement opens (custom `laurel_target`): the course's page for the person's role,
 * or, from Canvas account navigation, the person's badges across every course of the institution.
 */
export const PLACEMENT_TARGETS = { course: 'course', myBadges: 'my-badges' } as const;

export const TOOL_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-tool-configuration';
export const PLATFORM_CONFIGURATION = 'https://purl.imsglobal.org/spec/lti-platform-configuration';

export const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  result: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

/** Canvas Data Services: Laurel creates its own Live Events subscription with its LTI token. */
export const CANVAS_DATA_SERVICES_SCOPES = ['create', 'show', 'update', 'list', 'destroy', 'list_event_types'].map(
  (action) => `https://canvas.instructure.com/lti/data_services/scope/${action}`,
);

export function toolEndpoints(urls: ToolUrls): { launch: string; login: string; keys: string; register: string; domain: string } {
  const root = `${urls.baseUrl}${urls.basePath}`;
  return { launch: `${root}/launch`, login: `${root}/login`, keys: `${root}/keys`, register: `${root}/register`, domain: new URL(urls.baseUrl).host };
}

/**
 * Custom parameters per LMS: the LMS's own user, course and assignment ids, so events that carry
 * native ids (Canvas Live Events, the Moodle plugin) map onto LTI identities.
 */
export function customParameters(lms: Lms): Record<string, string> {
  if (lms === 'canvas') return { [CUSTOM.userId]: '$Canvas.user.id', [CUSTOM.courseId]: '$Canvas.course.id', [CUSTOM.assignmentId]: '$Canvas.assignment.id' };
  if (lms === 'moodle') return { [CUSTOM.userId]: '$User.id', [CUSTOM.courseId]: '$Context.id' };
  return {};
}

export function lmsOf(productFamilyCode: unknown): Lms {
  return productFamilyCode === 'canvas' ? 'canvas' : productFamilyCode === 'moodle' ? 'moodle' : 'other';
}

/**
 * The LTI Dynamic Registration request (IMS LTI DR 1.0 section 3.5) for a platform, given its
 * openid-configuration. Pure: no I/O, so each LMS's shape is tested directly.
 */
export function registrationRequest(urls: ToolUrls, platformConfiguration: Record<string, unknown>): Record<string, unknown> {
  const platform = (platformConfiguration[PLATFORM_CONFIGURATION] ?? {}) as { product_family_code?: unknown; variables?: unknown };
  const lms = lmsOf(platform.product_family_code);
  const endpoints = toolEndpoints(urls);
  const supportedScopes = Array.isArray(platformConfiguration.scopes_supported) ? (platformConfiguration.scopes_supported as string[]) : undefined;
  // Moodle grants requested ∩ permitted and drops the rest; ask for what the platform lists when it lists.
  let scopes: string[] = Object.values(SCOPES).filter((s) => !supportedScopes || supportedScopes.includes(s));
  if (lms === 'canvas') scopes = [...Object.values(SCOPES), ...CANVAS_DATA_SERVICES_SCOPES];
  const variables = Array.isArray(platform.variables) ? new Set((platform.variables as string[]).map(String)) : undefined;
  const custom = Object.fromEntries(
    Object.entries(customParameters(lms)).filter(([, value]) => !variables || variables.has(value.slice(1))),
  );
  const canvas = lms === 'canvas';
  return {
    application_type: 'web',
    response_types: ['id_token'],
    grant_types: ['implicit', 'client_credentials'],
    initiate_login_uri: endpoints.login,
    redirect_uris: [endpoints.launch],
    client_name: 'Laurel',
    jwks_uri: endpoints.keys,
    logo_uri: `${urls.baseUrl}/assets/laurel-logo.svg`,
    token_endpoint_auth_method: 'private_key_jwt',
    scope: scopes.join(' '),
    [TOOL_CONFIGURATION]: {
      domain: endpoints.domain,
      description: 'Open Badges 3.0 for passing learners',
      target_link_uri: endpoints.launch,
      custom_parameters: custom,
      claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email'],
      messages: [
        {
          type: 'LtiResourceLinkRequest',
          target_link_uri: endpoints.launch,
          label: 'Badges',
          ...(canvas ? { placements: ['course_navigation'], custom_parameters: { [CUSTOM.target]: PLACEMENT_TARGETS.course } } : {}),
        },
        // Canvas account navigation: every badge of the person across the institution's courses.
        ...(canvas ? [{ type: 'LtiResourceLinkRequest', target_link_uri: endpoints.launch, label: 'My badges', placements: ['account_navigation'], custom_parameters: { [CUSTOM.target]: PLACEMENT_TARGETS.myBadges } }] : []),
        {
          type: 'LtiDeepLinkingRequest',
          target_link_uri: endpoints.launch,
          label: 'Laurel badge',
          ...(canvas ? { placements: ['link_selection', 'assignment_selection'] } : {}),
        },
      ],
      ...(canvas ? { 'https://canvas.instructure.com/lti/privacy_level': 'public', 'https://canvas.instructure.com/lti/tool_id': 'laurel' } : {}),
    },
  };
}

/** Canvas's JSON configuration for a developer key ("Enter URL" in Admin > Developer Keys > + LTI Key). */
export function canvasJsonConfiguration(urls: ToolUrls): Record<string, unknown> {
  const endpoints = toolEndpoints(urls);
  const placement = (placement: string, messageType: string, text: string, target?: string) => ({
    placement, message_type: messageType, target_link_uri: endpoints.launch, text,
    ...(target ? { custom_fields: { [CUSTOM.target]: target } } : {}),
  });
  return {
    title: 'Laurel',
    description: 'Open Badges 3.0 for passing learners',
    oidc_initiation_url: endpoints.login,
    target_link_uri: endpoints.launch,
    public_jwk_url: endpoints.keys,
    scopes: [...Object.values(SCOPES), ...CANVAS_DATA_SERVICES_SCOPES],
    custom_fields: customParameters('canvas'),
    extensions: [
      {
        platform: 'canvas.instructure.com',
        domain: endpoints.domain,
        tool_id: 'laurel',
        privacy_level: 'public',
        settings: {
          placements: [
            placement('course_navigation', 'LtiResourceLinkRequest', 'Badges', PLACEMENT_TARGETS.course),
            placement('account_navigation', 'LtiResourceLinkRequest', 'My badges', PLACEMENT_TARGETS.myBadges),
            placement('link_selection', 'LtiDeepLinkingRequest', 'Laurel badge'),
            placement('assignment_selection', 'LtiDeepLinkingRequest', 'Laurel badge'),
          ],
        },
      },
    ],
  };
}
