import { LaurelError } from '../errors';
import { clrFacts, clrIssuerId } from './assemble';
import { buildClrCredential, type ClrOmissions } from './clr';
import { clock, issuerProfiles, type TranscriptsDeps } from './deps';
import { loadBadges, loadCourseOutline, loadLearner, type CourseOutline } from './records';
import type { SignedClr } from './signing';

export interface LearnerClrProps {
  learnerId: string;
  /** One course's record; without it, every course whose badges `issuerId` (default issuer if absent) signed. */
  courseId?: string;
  issuerId?: string;
  includeExpired?: boolean;
}

export interface LearnerClr extends SignedClr {
  omitted: ClrOmissions;
}

/**
 * One learner's signed CLR 2.0: for a course, or across all courses of an issuer. ERR_NOT_FOUND when
 * the learner or course is unknown, or when no signed badge is left to put in it.
 */
export async function learnerClr(deps: TranscriptsDeps, props: LearnerClrProps): Promise<LearnerClr> {
  const now = clock(deps);
  const learner = await loadLearner(deps.db, props.learnerId);
  if (!learner) throw new LaurelError('ERR_NOT_FOUND', 'No such learner.');
  const issuers = issuerProfiles(deps);
  const baseUrl = deps.config.BASE_URL;
  let outlines: CourseOutline[];
  let issuerFilter: string | undefined;
  if (props.courseId) {
    const outline = await loadCourseOutline(deps.db, { baseUrl, courseId: props.courseId });
    if (!outline) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
    outlines = [outline];
  } else {
    issuerFilter = props.issuerId ?? (await issuers.defaultId());
    outlines = [];
  }
  const badges = await loadBadges(deps.db, { baseUrl, learnerIds: [learner.id], courseId: props.courseId, issuerId: issuerFilter, now });
  if (!props.courseId) {
    for (const courseId of new Set(badges.map((b) => b.courseId))) {
      const outline = await loadCourseOutline(deps.db, { baseUrl, courseId });
      if (outline) outlines.push(outline);
    }
  }
  const issuerId = issuerFilter ?? clrIssuerId(badges, await issuers.defaultId());
  const facts = clrFacts({ learner, badges, outlines, issuer: await issuers.get(issuerId), now, includeExpired: props.includeExpired ?? false });
  const built = buildClrCredential(facts);
  if (!built) throw new LaurelError('ERR_NOT_FOUND', 'This learner holds no signed credential to put in a learner record.');
  const signed = await deps.signer.sign(issuerId, built.credential);
  return { ...signed, omitted: built.omitted };
}
