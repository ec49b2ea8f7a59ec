// Public types of the LTI 1.3 platform emulator. Everything a test or the CLI touches is declared here.

/** Which LMS the emulator imitates. Claims, URLs, media types, paging and error shapes follow the profile. */
export type ProfileName = 'canvas' | 'moodle';

/** Short role names; each profile maps them to the role URIs that LMS sends. Full URIs pass through unchanged. */
export type ShortRole =
  | 'Instructor'
  | 'Learner'
  | 'Administrator'
  | 'TeachingAssistant'
  | 'ContentDeveloper'
  | 'Mentor';

export type RoleInput = ShortRole | ShortRole[] | string[];

/** A person on the platform. `id` is the LMS's own user id (Moodle user id "4", Canvas local user id "42"). */
export interface EmulatorUser {
  id: string;
  name?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  /** Login name (Moodle `ext.user_username`, Canvas `$Canvas.user.loginId`). Defaults to `user<id>`. */
  username?: string;
}

/** A course. `id` is the LMS course id (Moodle course id "2", Canvas local course id "1"). */
export interface EmulatorContext {
  id: string;
  label?: string;
  title?: string;
}

export interface EmulatorResourceLink {
  /** LMS id of the placement (Moodle: lti instance id; Canvas: assignment or tool placement id). */
  id: string;
  title?: string;
  description?: string;
  /** Canvas assignment id, substituted for `$Canvas.assignment.id`. */
  assignmentId?: string;
  /**
   * The gradebook column bound to this link. Moodle activities always have one (default max 100, pass `false`
   * to omit); Canvas only for assignment launches (pass `{ scoreMaximum }`).
   */
  lineItem?: { label?: string; scoreMaximum: number } | false;
}

export type PrivacyLevel = 'public' | 'name_only' | 'email_only' | 'anonymous';

export type MessageType = 'LtiResourceLinkRequest' | 'LtiDeepLinkingRequest';

/** Deliberate faults for negative tests of the tool's launch validation. */
export interface LaunchTamper {
  /** Signed by a key that is not the published one, under the published kid. */
  badSignature?: boolean;
  /** Signed by a key whose kid is absent from the JWKS. */
  unknownKid?: boolean;
  /** `aud` names another client. */
  wrongAud?: boolean;
  /** `iss` is another issuer. */
  wrongIss?: boolean;
  /** A deployment id the tool never saw (also sent as `lti_deployment_id` at login). */
  unknownDeployment?: boolean;
  /** `exp` is in the past. */
  expired?: boolean;
  /** The id_token carries the nonce of this tool's previous untampered launch instead of the one the tool sent. */
  replayNonce?: boolean;
  /** Remove this claim (full claim URI or a plain name such as `sub`). */
  missingClaim?: string;
  /** The form post back to the tool carries a different `state` than the tool sent. */
  stateMismatch?: boolean;
  /** Unsigned, `alg: none`. */
  algNone?: boolean;
  /** HS256 keyed with the platform's public key (algorithm confusion). */
  hs256PublicKey?: boolean;
  /** `iat` an hour in the future (and `exp` after it). */
  issuedInFuture?: boolean;
}

export interface LaunchOptions {
  clientId: string;
  user: EmulatorUser;
  roles: RoleInput;
  context: EmulatorContext;
  resourceLink?: EmulatorResourceLink;
  messageType?: MessageType;
  /** Extra custom parameters for this launch (values may use `$` variables). */
  custom?: Record<string, string>;
  /** Claims merged over the generated payload last (after tampering is applied they still win). */
  claims?: Record<string, unknown>;
  /** Overrides the tool's default target_link_uri. */
  targetLinkUri?: string;
  /**
   * Canvas: the placement launched from (`course_navigation`, `account_navigation`, ...): its custom
   * parameters apply. `account_navigation` launches carry no course: no context, AGS or NRPS claims
   * (inferred from Canvas documentation; nothing recorded).
   */
  placement?: string;
  /** Overrides the profile's login initiation method. */
  loginMethod?: 'POST' | 'GET';
  tamper?: LaunchTamper;
}

/** A tool known to the platform (a Canvas developer key + deployment, a Moodle tool type). */
export interface ToolRegistration {
  clientId: string;
  deploymentId: string;
  loginUrl: string;
  launchUrl: string;
  jwksUrl: string;
  redirectUris: string[];
  deepLinkUrl?: string;
  /** Space-separated in the registration; stored as a list. Empty list = all LTI Advantage scopes. */
  scopes: string[];
  customParameters: Record<string, string>;
  /**
   * Canvas placements the tool asked for (Dynamic Registration `messages[].placements`, developer-key JSON
   * `placements`), each with its own label and custom parameters, applied to launches from that placement.
   */
  placements?: Record<string, { label?: string; customParameters: Record<string, string> }>;
  name: string;
  /** Canvas privacy level: which of name, email and picture the id_token carries (default public). */
  privacyLevel?: PrivacyLevel;
  /** Moodle leaves dynamically registered tools pending until an admin activates them. */
  state: 'active' | 'pending';
  /** The registration request body (dynamic registration only). */
  registration?: Record<string, unknown>;
  /** What the platform answered to it. */
  registrationResponse?: Record<string, unknown>;
}

export interface AddToolOptions {
  clientId?: string;
  deploymentId?: string;
  loginUrl: string;
  /** The tool's default target_link_uri. */
  launchUrl: string;
  jwksUrl: string;
  redirectUris?: string[];
  deepLinkUrl?: string;
  scopes?: string[];
  customParameters?: Record<string, string>;
  /** Canvas placements with their label and custom parameters (see ToolRegistration.placements). */
  placements?: Record<string, { label?: string; customParameters: Record<string, string> }>;
  name?: string;
  privacyLevel?: PrivacyLevel;
}

export interface RegisterToolOptions {
  /** The tool's registration URL (e.g. `http://127.0.0.1:3000/lti/register`). */
  registrationUrl: string;
  /** How long to wait for the tool's registration POST after its page answered (default 5000 ms). */
  timeoutMs?: number;
}

export interface RegisterToolResult {
  clientId: string;
  deploymentId: string;
  state: 'active' | 'pending';
  /** The tool's answer to the admin's GET of its registration URL. */
  page: { status: number; body: string };
  /** What the tool POSTed to the registration endpoint. */
  registration: Record<string, unknown>;
  /** What the emulator answered. */
  response: Record<string, unknown>;
}

/** An NRPS member: a user with course roles. */
export interface EmulatorMember extends EmulatorUser {
  roles: RoleInput;
  status?: 'Active' | 'Inactive' | 'Deleted';
}

export interface LineItem {
  /** Platform-internal number; the tool sees `url`. */
  id: number;
  url: string;
  contextId: string;
  clientId: string;
  label: string;
  scoreMaximum: number;
  resourceId?: string;
  tag?: string;
  resourceLinkId?: string;
  startDateTime?: string;
  endDateTime?: string;
}

/** A score exactly as the tool posted it, plus what the platform's gradebook made of it. */
export interface ReceivedScore {
  lineItemId: number;
  userId: string;
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: string;
  gradingProgress: string;
  timestamp: string;
  /** Score in the line item's scale (Moodle rescales; Canvas keeps the tool's values in results). */
  resultScore?: number;
  resultMaximum: number;
  receivedAt: Date;
  /** Request headers that matter for client assertions (e.g. user-agent). */
  userAgent?: string;
}

export interface StoredResult {
  userId: string;
  resultScore?: number;
  resultMaximum: number;
  comment?: string;
  timestamp: string;
}

/** One id_token the emulator signed, for assertions. */
export interface IssuedLaunch {
  clientId: string;
  idToken: string;
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  redirectUri: string;
  state: string;
  /** Whether a tamper option shaped this token. */
  tampered: boolean;
}

export interface DeepLinkReturn {
  clientId: string;
  payload: Record<string, unknown>;
  contentItems: Record<string, unknown>[];
  /** Resource links (and line items) the platform created from the content items. */
  created: { resourceLinkId: string; lineItemId?: number; title?: string; custom?: Record<string, string> }[];
}

/** Makes the next matching service calls fail, to test the tool's retries and backoff. */
export interface FailureInjection {
  service: 'token' | 'nrps' | 'ags';
  status: number;
  count?: number;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
}

export interface StartPlatformOptions {
  profile: ProfileName;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address (default 127.0.0.1). */
  host?: string;
  /** Issuer. Default: Canvas `https://canvas.instructure.com` (as real Canvas, unrelated to its host); Moodle its URL. */
  issuer?: string;
  /** NRPS page size when the tool sends no limit (default 50 for Canvas, all members for Moodle). */
  nrpsDefaultLimit?: number;
  /** Send Canvas's `lti_storage_target` at login and form post (default true for Canvas). */
  storageTarget?: boolean;
  /**
   * Host name used in the emulator's URLs (default: `host`). `'localhost'` while the tool runs on 127.0.0.1
   * makes the two cross-site, so a framed launch meets third-party cookie rules as inside a real LMS.
   */
  hostname?: string;
  /** Public base URL if it differs from `http://hostname:port` (e.g. behind a proxy). */
  publicUrl?: string;
}
