/**
 * Who may do what in Laurel, as data (CASL's `RawRule` with its `reason`). Each rule grants one
 * permission to one kind of principal, under conditions; a decision names the rule that allowed it,
 * or explains that none did. Nothing here reads a database or a request: the web layer builds the
 * principal and the subject, `decide()` only compares them.
 */

/** A permission a route declares (see `permit()` in src/http/permission.ts). */
export const PERMISSIONS = [
  /** Pages and documents anyone may read: credentials, profiles, status lists, health, verify. */
  'public:read',
  /** The LTI protocol endpoints (login, launch, registration): the protocol authenticates each step. */
  'lti:launch',
  /** LMS event deliveries: each request is authenticated by its source's signature or secret. */
  'events:deliver',
  /**
   * The learner-facing credential protocols (OID4VCI, the OB 3.0 API's OAuth 2.0 endpoints, one-time
   * capability links): each step is authenticated by the protocol's own codes, tokens, proofs or PKCE.
   */
  'credential:exchange',
  /** A learner's own course pages. */
  'course:learn',
  /** An instructor's course pages. */
  'course:teach',
  /** Administer one platform: its deployments, courses, event sources, learners' awards, bound tokens. */
  'platform:administer',
  /** What spans tenants: issuers and keys, platform registration and approval, instance tokens, queues, metrics. */
  'instance:operate',
  /** API scopes (a token bound to a platform reaches that platform's objects only). */
  'api:admin',
  'api:events',
  'api:transcripts',
  'api:metrics',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export type CourseRole = 'admin' | 'instructor' | 'learner';
export type TokenScope = 'admin' | 'events' | 'transcripts' | 'metrics';

/**
 * Who asks. A `person` comes from a verified LTI launch of one platform; `operator` is set only from
 * Laurel's own operators table (never from an LMS claim). A token is instance-wide when `platformId` is null.
 */
export type Principal =
  | { kind: 'anonymous' }
  | { kind: 'person'; platformId: string; courseId: string; roles: readonly CourseRole[]; operator: boolean }
  | { kind: 'operator'; operatorId: string }
  | { kind: 'token'; platformId: string | null; scopes: readonly TokenScope[] };

/** What the permission is exercised on: the platform (tenant) it belongs to, when it has one. */
export interface Subject {
  /** The platform owning the object; null for an instance-wide object (a manual course, an issuer). */
  platformId?: string | null;
  /** The course, for course pages. */
  courseId?: string;
}

type Condition =
  /** The subject belongs to the principal's platform (no subject: the principal's own platform). */
  | 'samePlatform'
  /** The subject is the principal's course. */
  | 'sameCourse'
  /** The token is not bound to a platform. */
  | 'instanceWide';

export interface Rule {
  permission: Permission;
  principal: Principal['kind'];
  /** A course role the person must hold. */
  role?: CourseRole;
  /** The person must be a named operator. */
  operator?: true;
  /** A scope the token must hold (`admin` implies every scope). */
  scope?: TokenScope;
  conditions?: readonly Condition[];
  reason: string;
}

export const RULES: readonly Rule[] = [
  { permission: 'public:read', principal: 'anonymous', reason: 'Public documents are meant to be read by anyone.' },
  { permission: 'lti:launch', principal: 'anonymous', reason: 'LTI login and launch authenticate themselves (signed id_token, state, nonce).' },
  { permission: 'events:deliver', principal: 'anonymous', reason: 'An event delivery is authenticated by its source’s signature.' },
  { permission: 'credential:exchange', principal: 'anonymous', reason: 'OID4VCI and OAuth 2.0 authenticate each step themselves (pre-authorized codes, access tokens, key proofs, PKCE, signed one-time links).' },

  { permission: 'course:learn', principal: 'person', role: 'learner', conditions: ['sameCourse'], reason: 'A learner sees their own course pages.' },
  { permission: 'course:teach', principal: 'person', role: 'instructor', conditions: ['sameCourse'], reason: 'An instructor manages badges of the course they teach.' },

  { permission: 'platform:administer', principal: 'person', role: 'admin', conditions: ['samePlatform'], reason: 'An institution administrator of a platform administers that platform only.' },
  { permission: 'platform:administer', principal: 'person', operator: true, reason: 'Instance operators administer every platform.' },
  { permission: 'platform:administer', principal: 'operator', reason: 'Instance operators administer every platform.' },
  { permission: 'platform:administer', principal: 'token', scope: 'admin', conditions: ['samePlatform'], reason: 'An admin token bound to a platform administers that platform.' },
  { permission: 'platform:administer', principal: 'token', scope: 'admin', conditions: ['instanceWide'], reason: 'An instance-wide admin token acts for the operators.' },

  { permission: 'instance:operate', principal: 'person', operator: true, reason: 'Named by the people who run Laurel (laurel operator add).' },
  { permission: 'instance:operate', principal: 'operator', reason: 'Signed in with a one-time operator link (laurel operator link).' },
  { permission: 'instance:operate', principal: 'token', scope: 'admin', conditions: ['instanceWide'], reason: 'An instance-wide admin token acts for the operators.' },

  { permission: 'api:admin', principal: 'token', scope: 'admin', conditions: ['samePlatform'], reason: 'The admin scope, within the token’s platform.' },
  { permission: 'api:admin', principal: 'token', scope: 'admin', conditions: ['instanceWide'], reason: 'The admin scope, instance-wide.' },
  { permission: 'api:events', principal: 'token', scope: 'events', conditions: ['samePlatform'], reason: 'The events scope, within the token’s platform.' },
  { permission: 'api:events', principal: 'token', scope: 'events', conditions: ['instanceWide'], reason: 'The events scope, instance-wide.' },
  { permission: 'api:transcripts', principal: 'token', scope: 'transcripts', conditions: ['samePlatform'], reason: 'The transcripts scope, within the token’s platform.' },
  { permission: 'api:transcripts', principal: 'token', scope: 'transcripts', conditions: ['instanceWide'], reason: 'The transcripts scope, instance-wide.' },
  // Metrics span every tenant (queue depths, request rates): instance-wide tokens only.
  { permission: 'api:metrics', principal: 'token', scope: 'metrics', conditions: ['instanceWide'], reason: 'Metrics span tenants: an instance-wide metrics token.' },
];
