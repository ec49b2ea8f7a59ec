import type { Request } from 'express';
import type { AppContext } from '../context';
import { findCourse, type Course } from '../courses';
import { LaurelError } from '../errors';
import type { CourseRole } from '../lti';

/** Links between the role pages of one course, for people who hold several roles (an instructor who is also an admin). */
export function courseNav(courseId: string, roles: readonly CourseRole[], current: CourseRole): Array<{ href: string; label: string; current: boolean }> {
  const labels: Record<CourseRole, string> = { instructor: 'Course badges', learner: 'My badges', admin: 'Administration' };
  const tabs = (['instructor', 'learner', 'admin'] as const).filter((r) => roles.includes(r));
  return tabs.length < 2 ? [] : tabs.map((r) => ({ href: `/lti/courses/${courseId}/${r}`, label: labels[r], current: r === current }));
}

// Messages after a redirect (post/redirect/get): only these fixed texts, never text from the URL.
const NOTICES: Record<string, string> = {
  created: 'Draft saved. Check the dry run below, then publish.',
  saved: 'Changes saved.',
  'rule-changed': 'Rule changed: it has a new version, and everyone who now qualifies is being awarded.',
  published: 'Published. Learners who already qualify are being awarded now.',
  backfill: 'The rule is being applied again to everyone in the course.',
  awarded: 'Badge awarded. The credential is being signed.',
  'already-awarded': 'This learner already holds the badge.',
  revoked: 'Badge revoked. Its public page and every verifier now report it as revoked.',
  public: 'Your badge is now public.',
  private: 'Your badge is now private: its public page only says that it exists and is valid.',
  rotated: 'Signing keys rotated. New credentials are signed with the new keys; earlier ones still verify.',
  'token-revoked': 'API token revoked.',
  'platform-activated': 'Platform activated. Laurel now accepts launches from it.',
  'platform-removed': 'Platform registration removed. It accepts no launches.',
  'source-deleted': 'Event source deleted. Its endpoint no longer accepts events.',
  'roster-synced': 'Roster synced. Grades waiting for learners who had not opened Laurel yet count now.',
  'grades-fetched': 'Grades fetched from Moodle. Badge rules apply to them now.',
  'grades-fetching': 'Fetching grades from Moodle: the first pages are in, the rest follow in the background.',
  'grades-fetch-failed': 'Moodle did not hand over its grades. The reason is shown under "Roster and grades"; Laurel tries again in the background.',
  'grades-fetch-unavailable': 'This course is not on a Moodle with the Laurel plugin configured: ask your Laurel administrator, or import the gradebook CSV.',
  'issuer-bound': 'The platform now has an issuer of its own: its new credentials are signed by it, with its own keys.',
  'issuer-unbound': 'The platform signs with the default issuer again. Its own issuer keeps verifying what it signed.',
  'issuer-saved': 'Issuer profile saved. New credentials carry it; issued ones keep the profile they were signed with.',
  // Reach (src/reach).
  'feedback-on': 'Gradebook feedback is on: Laurel keeps its column in the LMS gradebook current.',
  'feedback-off': 'Gradebook feedback is off: Laurel posts nothing more to the LMS gradebook.',
  'email-on': 'Laurel will email you when you earn a badge.',
  'email-off': 'Laurel will not email you about badges.',
};

export function noticeOf(req: Request): string | undefined {
  const done = typeof req.query.done === 'string' ? req.query.done : '';
  return NOTICES[done];
}

export const base = (courseId: string) => `/lti/courses/${courseId}/instructor`;

export async function courseOf(ctx: AppContext, req: Request): Promise<Course> {
  const course = await findCourse(ctx.database.db, String(req.params.courseId));
  if (!course) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  return course;
}

