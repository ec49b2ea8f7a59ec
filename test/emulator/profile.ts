// Per-LMS facts: endpoint paths, id formats and role URIs, taken from the recorded fixtures
// (../shared/fixtures/moodle-4.5, ../shared/fixtures/canvas/lti).
import { createHash, randomBytes } from 'node:crypto';
import type { EmulatorUser, ProfileName, RoleInput, ShortRole } from './types';

export const LIS = 'http://purl.imsglobal.org/vocab/lis/v2';
export const SCOPES = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;
/** AGS scopes in Moodle's own order (as in its id_token AGS claim). */
export const AGS_SCOPES = [SCOPES.lineItem, SCOPES.lineItemReadonly, SCOPES.resultReadonly, SCOPES.score];
export const ALL_SCOPES = [...AGS_SCOPES, SCOPES.nrps];

export interface Paths {
  openidConfiguration: string;
  registration: string;
  auth: string;
  jwks: string;
  token: string;
}

export const PATHS: Record<ProfileName, Paths> = {
  canvas: {
    openidConfiguration: '/api/lti/security/openid-configuration',
    registration: '/api/lti/registrations',
    auth: '/api/lti/authorize_redirect',
    jwks: '/api/lti/security/jwks',
    token: '/login/oauth2/token',
  },
  moodle: {
    openidConfiguration: '/mod/lti/openid-configuration.php',
    registration: '/mod/lti/openid-registration.php',
    auth: '/mod/lti/auth.php',
    jwks: '/mod/lti/certs.php',
    token: '/mod/lti/token.php',
  },
};

/** id_token lifetime: Moodle 60 s (03-id-token-*.json), Canvas 3600 s (canvas/lti/id_token.example.json). */
export const ID_TOKEN_LIFETIME: Record<ProfileName, number> = { canvas: 3600, moodle: 60 };

const sha1 = (text: string): string => createHash('sha1').update(text).digest('hex');

/** A stable UUID-shaped id derived from text (Canvas LTI user ids are UUIDs). */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Canvas global ids: shard 1 x 10^13 + local id, as strings. */
export const canvasGlobalId = (localId: string): string => String(10_000_000_000_000n + BigInt(/^\d+$/.test(localId) ? localId : 0));

/** The user's LTI id (`sub`, NRPS `user_id`, AGS `userId`). Moodle: its user id. Canvas: a UUID. */
export function ltiUserId(profile: ProfileName, issuer: string, user: Pick<EmulatorUser, 'id'>): string {
  return profile === 'moodle' ? user.id : uuidFrom(`${issuer}|user|${user.id}`);
}

/** Canvas's 40-hex LTI 1.1 user id (`lti11_legacy_user_id`, also its login_hint). */
export const canvasLegacyUserId = (issuer: string, userId: string): string => sha1(`${issuer}|legacy|${userId}`);

/** Context claim id. Moodle: the course id. Canvas: a 40-hex opaque hash, not the Canvas id. */
export function ltiContextId(profile: ProfileName, issuer: string, contextId: string): string {
  return profile === 'moodle' ? contextId : sha1(`${issuer}|context|${contextId}`);
}

export function ltiResourceLinkId(profile: ProfileName, issuer: string, linkId: string): string {
  return profile === 'moodle' ? linkId : sha1(`${issuer}|link|${linkId}`);
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

export function randomAlnum(length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

const MEMBERSHIP = `${LIS}/membership`;
const INSTITUTION = `${LIS}/institution/person`;
const SYSTEM = `${LIS}/system/person`;

/** Role URIs each LMS sends in the id_token for a short role. */
const ID_TOKEN_ROLES: Record<ProfileName, Record<ShortRole, string[]>> = {
  moodle: {
    // Moodle sends membership URIs only for course roles; a site admin also gets the admin URIs.
    Instructor: [`${MEMBERSHIP}#Instructor`],
    Learner: [`${MEMBERSHIP}#Learner`],
    TeachingAssistant: [`${MEMBERSHIP}#Instructor`],
    ContentDeveloper: [`${MEMBERSHIP}#Instructor`],
    Mentor: [`${MEMBERSHIP}#Mentor`],
    Administrator: [`${MEMBERSHIP}#Instructor`, `${SYSTEM}#Administrator`, `${INSTITUTION}#Administrator`],
  },
  canvas: {
    Instructor: [`${INSTITUTION}#Instructor`, `${MEMBERSHIP}#Instructor`, `${SYSTEM}#User`],
    Learner: [`${INSTITUTION}#Student`, `${MEMBERSHIP}#Learner`, `${SYSTEM}#User`],
    TeachingAssistant: [`${MEMBERSHIP}/Instructor#TeachingAssistant`, `${SYSTEM}#User`],
    ContentDeveloper: [`${MEMBERSHIP}#ContentDeveloper`, `${SYSTEM}#User`],
    Mentor: [`${MEMBERSHIP}#Mentor`, `${SYSTEM}#User`],
    Administrator: [`${INSTITUTION}#Administrator`, `${SYSTEM}#SysAdmin`, `${SYSTEM}#User`],
  },
};

const SHORT_ROLES = new Set<string>(['Instructor', 'Learner', 'Administrator', 'TeachingAssistant', 'ContentDeveloper', 'Mentor']);

function asList(roles: RoleInput): string[] {
  return Array.isArray(roles) ? roles : [roles];
}

export function idTokenRoles(profile: ProfileName, roles: RoleInput): string[] {
  const out = asList(roles).flatMap((r) => (SHORT_ROLES.has(r) ? ID_TOKEN_ROLES[profile][r as ShortRole] : [r]));
  return [...new Set(out)];
}

/** NRPS member roles: Moodle sends short names (`Learner`), Canvas membership URIs. */
export function memberRoles(profile: ProfileName, roles: RoleInput): string[] {
  const shorts = asList(roles).map((r) => (r.includes('#') ? r.slice(r.lastIndexOf('#') + 1) : r));
  const mapped = shorts.map((r) => (r === 'TeachingAssistant' || r === 'ContentDeveloper' ? 'Instructor' : r));
  if (profile === 'moodle') return [...new Set(mapped.filter((r) => r !== 'Administrator'))];
  return [...new Set(asList(roles).flatMap((r) => (SHORT_ROLES.has(r) ? [`${MEMBERSHIP}#${r === 'TeachingAssistant' ? 'Instructor' : r}`] : [r])))];
}

/** Whether the roles make the user gradable (a learner in the course). */
export function isLearner(roles: RoleInput): boolean {
  return asList(roles).some((r) => r === 'Learner' || r.endsWith('#Learner') || r.endsWith('#Student'));
}

export function displayName(user: EmulatorUser): { name: string; given: string; family: string } {
  const name = user.name ?? [user.givenName, user.familyName].filter(Boolean).join(' ') ?? `User ${user.id}`;
  const [first, ...rest] = (name || `User ${user.id}`).split(' ');
  return {
    name: name || `User ${user.id}`,
    given: user.givenName ?? first ?? '',
    family: user.familyName ?? rest.join(' '),
  };
}
