import { createHash } from 'node:crypto';
import { OB_EXTENSIONS_CONTEXT, OB_V3_CONTEXT, VC_V2_CONTEXT } from './contexts';
import type { StatusEntry } from './status-list';

/** The 1EdTech JSON Schema every OpenBadgeCredential we issue names in `credentialSchema`. */
export const ACHIEVEMENT_CREDENTIAL_SCHEMA =
  'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';

export interface Alignment {
  targetName: string;
  targetUrl: string;
  targetFramework?: string;
  targetCode?: string;
  targetDescription?: string;
}

/** Everything an OpenBadgeCredential says, as plain facts; the builder adds no I/O and no clock. */
export interface CredentialFacts {
  /** Credential id: the public URL `${BASE_URL}/credentials/<uuid>`. */
  id: string;
  /** The issuer's OB 3.0 Profile (from `issuerProfile()`); its `id` is the issuer's did:web. */
  issuer: IssuerProfile;
  achievement: {
    /** Public URL `${BASE_URL}/achievements/<uuid>`. */
    id: string;
    name: string;
    description: string;
    criteria: { narrative: string };
    /** Absolute URL (or data: URI) of the badge image. */
    image?: { id: string; caption?: string };
    alignments?: Alignment[];
    /** The rule's threshold, e.g. `{ resultType: 'Percent', requiredValue: '80' }`. */
    resultDescription?: { id: string; name: string; resultType: 'Percent'; requiredValue: string };
  };
  recipient: {
    /** The learner's email; only its salted SHA-256 enters the credential. */
    email: string;
    /** Per-credential random salt (hex), so hashes cannot be linked across credentials. */
    salt: string;
    lti?: { userId?: string; contextId?: string; platformId?: string };
  };
  /** The learner's score as a percentage string ("86.5"); needs `achievement.resultDescription`. */
  result?: { value: string };
  evidence?: { id?: string; name: string; narrative?: string }[];
  validFrom: Date;
  validUntil?: Date;
  awardedDate: Date;
  status?: StatusEntry;
  /** Credential display name/description (default: the achievement's). */
  name?: string;
  description?: string;
  image?: { id: string; caption?: string };
}

/** OB 3.0 Profile as embedded in `issuer` and served at the issuer's HTTPS URL. */
export interface IssuerProfile {
  id: string;
  type: ['Profile'];
  name: string;
  url?: string;
  email?: string;
  description?: string;
  image?: { id: string; type: 'Image'; caption?: string };
}

export type UnsignedCredential = Record<string, unknown> & {
  '@context': string[];
  id: string;
  type: string[];
  issuer: IssuerProfile;
  validFrom: string;
  validUntil?: string;
};

/** `sha256$` + hex(sha256(email + salt)), the OB 3.0 IdentityHash of a normalised email. */
export function identityHash(email: string, salt: string): string {
  const normalised = email.trim().toLowerCase();
  return 'sha256$' + createHash('sha256').update(normalised + salt, 'utf8').digest('hex');
}

/** XML Schema dateTime at seconds precision. */
export function xsdDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildOpenBadgeCredential(facts: CredentialFacts): UnsignedCredential {
  const a = facts.achievement;
  const achievement: Record<string, unknown> = {
    id: a.id,
    type: ['Achievement'],
    achievementType: 'Badge',
    name: a.name,
    description: a.description,
    criteria: { narrative: a.criteria.narrative },
  };
  if (a.image) achievement.image = image(a.image);
  if (a.alignments?.length) achievement.alignment = a.alignments.map((al) => ({ type: ['Alignment'], ...al }));
  if (a.resultDescription) {
    achievement.resultDescription = [{ type: ['ResultDescription'], ...a.resultDescription }];
  }

  const identifier: Record<string, unknown>[] = [
    {
      type: 'IdentityObject',
      hashed: true,
      identityHash: identityHash(facts.recipient.email, facts.recipient.salt),
      identityType: 'emailAddress',
      salt: facts.recipient.salt,
    },
  ];
  const lti = facts.recipient.lti ?? {};
  for (const [identityType, value] of [
    ['ltiUserId', lti.userId],
    ['ltiContextId', lti.contextId],
    ['ltiPlatformId', lti.platformId],
  ] as const) {
    if (value) identifier.push({ type: 'IdentityObject', hashed: false, identityHash: value, identityType });
  }

  const subject: Record<string, unknown> = { type: ['AchievementSubject'], identifier, achievement };
  if (facts.result) {
    if (!a.resultDescription) throw new TypeError('result needs achievement.resultDescription');
    subject.result = [{ type: ['Result'], resultDescription: a.resultDescription.id, value: facts.result.value }];
  }

  const credential: UnsignedCredential = {
    '@context': [VC_V2_CONTEXT, OB_V3_CONTEXT, OB_EXTENSIONS_CONTEXT],
    id: facts.id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    name: facts.name ?? a.name,
    description: facts.description ?? a.description,
    issuer: facts.issuer,
    validFrom: xsdDate(facts.validFrom),
    awardedDate: xsdDate(facts.awardedDate),
    credentialSubject: subject,
  };
  const picture = facts.image ?? a.image;
  if (picture) credential.image = image(picture);
  if (facts.validUntil) credential.validUntil = xsdDate(facts.validUntil);
  if (facts.evidence?.length) {
    credential.evidence = facts.evidence.map((e) => ({ ...(e.id ? { id: e.id } : {}), type: ['Evidence'], name: e.name, ...(e.narrative ? { narrative: e.narrative } : {}) }));
  }
  if (facts.status) credential.credentialStatus = credentialStatusOf(facts.status);
  credential.credentialSchema = [{ id: ACHIEVEMENT_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' }];
  return credential;
}

/** The `credentialStatus` (BitstringStatusListEntry, purpose revocation) naming one status-list entry. */
export function credentialStatusOf(status: StatusEntry): Record<string, string> {
  return {
    id: `${status.statusListCredential}#${status.statusListIndex}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: 'revocation',
    statusListIndex: String(status.statusListIndex),
    statusListCredential: status.statusListCredential,
  };
}

function image(img: { id: string; caption?: string }): Record<string, unknown> {
  return { id: img.id, type: 'Image', ...(img.caption ? { caption: img.caption } : {}) };
}
