import type { Kysely } from 'kysely';
import type { AlignmentValue, EvidenceValue } from './tables';

/**
 * What badges needs from the credentials engine (src/credentials), as a small port so the use-cases
 * depend on an interface, not on signing internals. `createCredentialPort` in ./credentials-port.ts
 * adapts the real engine; tests use the same adapter against real keys.
 */
export interface CredentialPort {
  /** Stops what the port started (signing threads), for processes that end by running out of work. */
  close?(): Promise<void>;
  /** The issuer that signs achievements which name none (created on first use). */
  defaultIssuerId<T>(db: Kysely<T>): Promise<string>;
  /** The issuer that signs for a platform's courses: the platform's own when it has one, else the default. */
  issuerIdFor<T>(db: Kysely<T>, props: { platformId: string | null }): Promise<string>;
  /** The issuer's public profile, for pages. */
  issuerProfile<T>(db: Kysely<T>, issuerId: string): Promise<IssuerSummary | undefined>;
  /**
   * Takes a status-list entry, builds the OpenBadgeCredential and signs it with both proofs. Called
   * outside any transaction (see issueCredential): it may use several pooled connections.
   */
  sign<T>(db: Kysely<T>, facts: AwardFacts): Promise<SignedCredential>;
  /** Sets or clears the revocation bit of a status-list entry, on `trx`. */
  setRevoked<T>(trx: Kysely<T>, entry: { listId: string; index: number }, revoked: boolean): Promise<void>;
  /** Verifies a stored credential as any verifier would (proofs, schema, dates, status, key provenance). */
  verify<T>(db: Kysely<T>, credential: Record<string, unknown> | string): Promise<VerificationSummary>;
  /** Images with the compact JWS baked in (PNG iTXt `openbadgecredential`, SVG `<openbadges:credential>`). */
  bakePng(png: Buffer, jws: string): Buffer;
  bakeSvg(svg: string, jws: string, verifyUrl?: string): string;
  /** A generated badge image for achievements without an uploaded one. */
  defaultBadgeSvg(props: BadgeArt): string;
  defaultBadgePng(props: BadgeArt): Promise<Buffer> | Buffer;
}

export interface BadgeArt {
  name: string;
  primaryColor?: string;
  secondaryColor?: string;
}

export interface IssuerSummary {
  /** The issuer's did:web (its Profile id). */
  id: string;
  name: string;
  url?: string;
  image?: string;
  description?: string;
  email?: string;
}

/** Everything the builder needs to describe one award; no I/O happens past this point. */
export interface AwardFacts {
  credentialId: string;
  issuerId: string;
  achievement: {
    id: string;
    name: string;
    description: string;
    criteriaNarrative: string;
    imageUrl: string;
    alignments: AlignmentValue[];
    requiredPercent: number | null;
    courseTitle: string;
  };
  recipient: {
    learnerId: string;
    email: string | null;
    name: string | null;
    ltiUserId: string | null;
    ltiContextId: string | null;
    platformIssuer: string | null;
  };
  score: number | null;
  evidence: EvidenceValue[];
  awardedAt: Date;
  validFrom: Date;
  validUntil: Date | null;
}

export interface SignedCredential {
  document: Record<string, unknown>;
  /** `JSON.stringify(document)` when the signer made it (signing threads): stored as it is, not serialised again. */
  documentJson?: string;
  jws: string;
  keyIds: string[];
  statusListId: string | null;
  statusIndex: number | null;
}

export interface VerificationSummary {
  verified: boolean;
  /** verified | status-unknown | not-verified, and the sentence that says why (src/credentials verdicts). */
  verdict?: 'verified' | 'status-unknown' | 'not-verified';
  summary?: string;
  checks: Array<{ check: string; ok: boolean; message: string; status?: 'ok' | 'failed' | 'not-checked'; trust?: 'issuer-key' | 'self-certifying' | 'self-asserted' }>;
}
