import { identityHash, type IssuerProfile } from '../credentials';

/** The contexts every ClrCredential we issue starts with, in the order the CLR 2.0 schema requires. */
export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const CLR_CONTEXT = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
export const OB_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Defines `1EdTechJsonSchemaValidator2019` (our `credentialSchema` type), as in the 1EdTech CLR vector. */
export const OB_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
/** The 1EdTech JSON Schema every ClrCredential names in `credentialSchema`. */
export const CLR_CREDENTIAL_SCHEMA = 'https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json';

export type BadgeStatus = 'issued' | 'expired' | 'revoked';

/** One badge the learner holds, with the signed credential exactly as stored by badges. */
export interface ClrBadge {
  /** The signed OpenBadgeCredential (with its own proof); embedded as is, never modified. */
  credential: Record<string, unknown>;
  /** Public URL of the badge's Achievement (`${BASE_URL}/achievements/<uuid>`). */
  achievementId: string;
  name: string;
  description: string;
  criteriaNarrative: string;
  /** Achievement id (URL) of the course the badge belongs to. */
  courseAchievementId: string;
  status: BadgeStatus;
}

/** A course of the record, described as an Achievement with its assessments. */
export interface ClrCourse {
  /** A stable URL naming the course (`${BASE_URL}/courses/<uuid>`). */
  id: string;
  name: string;
  description?: string;
  assessments: { id: string; name: string }[];
}

/** Everything a ClrCredential says, as plain facts: the builder does no I/O and reads no clock. */
export interface ClrFacts {
  /** Credential id, e.g. `urn:uuid:<random>`. */
  id: string;
  name: string;
  description?: string;
  issuer: IssuerProfile;
  /** Becomes `validFrom` and `awardedDate`. */
  now: Date;
  learner: {
    /** Becomes `credentialSubject.id` (and the VC-JWT `sub`): `urn:uuid:<learner uuid>`, no PII. */
    subjectId: string;
    /** Only its salted SHA-256 enters the credential. */
    email: string;
    /** Random per CLR, so hashes cannot be linked across documents. */
    salt: string;
    lti?: { userId?: string; platformId?: string };
  };
  courses: ClrCourse[];
  badges: ClrBadge[];
  /** Stacked badges and tiers: `from` must be earned before `to` (achievement ids). */
  precedes?: { from: string; to: string }[];
  /** Include expired badges (marked in `achievement[].tag`); revoked ones are never included. */
  includeExpired?: boolean;
}

export type ClrCredential = Record<string, unknown> & {
  '@context': string[];
  id: string;
  type: ['VerifiableCredential', 'ClrCredential'];
  name: string;
  issuer: IssuerProfile;
  validFrom: string;
  credentialSubject: Record<string, unknown> & { verifiableCredential: Record<string, unknown>[] };
};

/** What the builder left out, for callers that present or log it. */
export interface ClrOmissions {
  revoked: number;
  expired: number;
}

/** The tag marking a badge achievement whose included credential has expired (`includeExpired`). */
export const EXPIRED_TAG = 'laurel:credential-expired';

/**
 * Builds an unsigned CLR 2.0 `ClrCredential`. Returns `undefined` when no badge is left to embed
 * (the schema requires at least one credential). Revoked badges are always left out; expired ones
 * unless `includeExpired`; either omission sets `partial: true` so a reader knows the record is not
 * the learner's whole history.
 */
export function buildClrCredential(facts: ClrFacts): { credential: ClrCredential; omitted: ClrOmissions } | undefined {
  const omitted: ClrOmissions = { revoked: 0, expired: 0 };
  const included = facts.badges.filter((badge) => {
    if (badge.status === 'revoked') return (omitted.revoked += 1), false;
    if (badge.status === 'expired' && !facts.includeExpired) return (omitted.expired += 1), false;
    return true;
  });
  if (included.length === 0) return undefined;

  const courseIds = new Set(included.map((b) => b.courseAchievementId));
  const courses = facts.courses.filter((c) => courseIds.has(c.id));
  const achievement: Record<string, unknown>[] = [];
  const association: Record<string, unknown>[] = [];
  for (const course of courses) {
    achievement.push(achievementOf({ id: course.id, type: 'Course', name: course.name, description: course.description ?? course.name, narrative: `Completion of ${course.name}.` }));
    for (const assessment of course.assessments) {
      achievement.push(achievementOf({ id: assessment.id, type: 'Assessment', name: assessment.name, description: `${assessment.name} (${course.name})`, narrative: `Assessed in ${course.name}.` }));
      association.push(associationOf('isChildOf', assessment.id, course.id));
    }
  }
  const badgeIds = new Set<string>();
  for (const badge of included) {
    if (badgeIds.has(badge.achievementId)) continue;
    badgeIds.add(badge.achievementId);
    const entry = achievementOf({ id: badge.achievementId, type: 'Badge', name: badge.name, description: badge.description, narrative: badge.criteriaNarrative });
    if (badge.status === 'expired') entry.tag = [EXPIRED_TAG];
    achievement.push(entry);
    association.push(associationOf('isChildOf', badge.achievementId, badge.courseAchievementId));
  }
  for (const link of facts.precedes ?? []) {
    if (badgeIds.has(link.from) && badgeIds.has(link.to)) association.push(associationOf('precedes', link.from, link.to));
  }

  const subject: ClrCredential['credentialSubject'] = {
    id: facts.learner.subjectId,
    type: ['ClrSubject'],
    identifier: identifiersOf(facts.learner),
    achievement,
    verifiableCredential: included.map((b) => b.credential),
    association,
  };
  const credential: ClrCredential = {
    '@context': [VC_V2_CONTEXT, CLR_CONTEXT, OB_CONTEXT, OB_EXTENSIONS_CONTEXT],
    id: facts.id,
    type: ['VerifiableCredential', 'ClrCredential'],
    name: facts.name,
    ...(facts.description ? { description: facts.description } : {}),
    issuer: facts.issuer,
    validFrom: xsdDate(facts.now),
    awardedDate: xsdDate(facts.now),
    credentialSubject: subject,
    credentialSchema: [{ id: CLR_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' }],
  };
  if (omitted.revoked + omitted.expired > 0) credential.partial = true;
  return { credential, omitted };
}

function identifiersOf(learner: ClrFacts['learner']): Record<string, unknown>[] {
  // Identified exactly like the badges: a salted hash of the normalised email, plus LTI ids.
  const identifier: Record<string, unknown>[] = [
    { type: 'IdentityObject', hashed: true, identityHash: identityHash(learner.email, learner.salt), identityType: 'emailAddress', salt: learner.salt },
  ];
  if (learner.lti?.userId) identifier.push({ type: 'IdentityObject', hashed: false, identityHash: learner.lti.userId, identityType: 'ltiUserId' });
  if (learner.lti?.platformId) identifier.push({ type: 'IdentityObject', hashed: false, identityHash: learner.lti.platformId, identityType: 'ltiPlatformId' });
  return identifier;
}

function achievementOf(a: { id: string; type: string; name: string; description: string; narrative: string }): Record<string, unknown> {
  return { id: a.id, type: ['Achievement'], achievementType: a.type, name: a.name, description: a.description, criteria: { narrative: a.narrative } };
}

function associationOf(associationType: 'isChildOf' | 'precedes', sourceId: string, targetId: string): Record<string, unknown> {
  return { type: 'Association', associationType, sourceId, targetId };
}

/** XML Schema dateTime at seconds precision, as the badges use. */
export function xsdDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
