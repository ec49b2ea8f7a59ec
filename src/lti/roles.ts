/** What a launch lets a person do in Laurel, derived from LTI roles. */
export type CourseRole = 'instructor' | 'learner' | 'admin';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

/**
 * Maps LTI 1.3 role URIs (and the short names NRPS answers with, e.g. Moodle's `Learner`) to Laurel
 * roles. Instructor, TeachingAssistant and ContentDeveloper (context roles, including sub-roles such
 * as `membership/Instructor#TeachingAssistant`) teach; Learner learns; institution or system
 * Administrator administer the launching platform (issue 15: a context-level Administrator, which an
 * LMS may grant to anyone it lets manage one course, is not enough). Unknown roles grant nothing.
 */
export function courseRoles(ltiRoles: readonly string[]): CourseRole[] {
  const granted = new Set<CourseRole>();
  for (const raw of ltiRoles) {
    const role = raw.trim();
    const name = shortName(role);
    const isContext = !role.includes('://') || role.startsWith(`${LIS}membership`);
    if (isContext && (name === 'Instructor' || name === 'TeachingAssistant' || name === 'ContentDeveloper' || role.startsWith(`${LIS}membership/Instructor#`))) {
      granted.add('instructor');
    } else if (isContext && (name === 'Learner' || role.startsWith(`${LIS}membership/Learner#`))) {
      granted.add('learner');
    }
    if (name === 'Administrator' || name === 'SysAdmin') {
      if (role.startsWith(`${LIS}institution/person#`) || role.startsWith(`${LIS}system/person#`)) granted.add('admin');
    }
  }
  return [...granted].sort();
}

/**
 * The page a launch lands on: administrators the admin console (which links to the instructor page
 * when they also teach, as Moodle site admins do), instructors the instructor page, learners theirs.
 */
export function landingRole(roles: readonly CourseRole[]): CourseRole | undefined {
  if (roles.includes('admin')) return 'admin';
  if (roles.includes('instructor')) return 'instructor';
  if (roles.includes('learner')) return 'learner';
  return undefined;
}

function shortName(role: string): string {
  const hash = role.lastIndexOf('#');
  if (hash >= 0) return role.slice(hash + 1);
  const slash = role.lastIndexOf('/');
  return slash >= 0 ? role.slice(slash + 1) : role;
}
