import { randomBytes, randomUUID } from 'node:crypto';
import type { IssuerProfile } from '../credentials';
import type { ClrFacts } from './clr';
import { isSigned, type BadgeRecord, type CourseOutline, type LearnerRecord } from './records';

/**
 * The issuer a learner's CLR is signed by: the one that signed all of its badges, so a verifier sees
 * one institution; when badges come from several issuers, the installation's default issuer.
 */
export function clrIssuerId(badges: Pick<BadgeRecord, 'issuerId' | 'credentialUrl'>[], defaultIssuerId: string): string {
  const issuers = new Set(badges.filter(isSigned).map((b) => b.issuerId ?? defaultIssuerId));
  return issuers.size === 1 ? [...issuers][0]! : defaultIssuerId;
}

/** Maps what was read about one learner onto the builder's facts (no I/O; randomness for ids and salts). */
export function clrFacts(props: {
  learner: LearnerRecord;
  badges: BadgeRecord[];
  outlines: CourseOutline[];
  issuer: IssuerProfile;
  now: Date;
  includeExpired: boolean;
}): ClrFacts {
  const { learner, outlines } = props;
  const single = outlines.length === 1 ? outlines[0] : undefined;
  return {
    id: `urn:uuid:${randomUUID()}`,
    name: single ? `${single.name}: learner record` : `Learner record from ${props.issuer.name}`,
    description: single
      ? `Comprehensive Learner Record of the credentials earned in ${single.name}.`
      : `Comprehensive Learner Record of the credentials earned in ${outlines.length} courses.`,
    issuer: props.issuer,
    now: props.now,
    learner: {
      subjectId: `urn:uuid:${learner.id}`,
      // Same rule as the badges: a learner without an email gets a non-deliverable address of their id.
      email: learner.email ?? `${learner.id}@learners.invalid`,
      salt: randomBytes(16).toString('hex'),
      lti: { userId: learner.ltiUserId ?? undefined, platformId: learner.platformIssuer ?? undefined },
    },
    courses: outlines,
    // Unsigned awards (still in the issue queue) cannot be embedded; they are not part of the record yet.
    badges: props.badges.filter(isSigned),
    precedes: outlines.flatMap((o) => o.precedes),
    includeExpired: props.includeExpired,
  };
}
