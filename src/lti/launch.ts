import { sql, type Kysely } from 'kysely';
import type { LtiIdToken } from 'ltijs';
import { enroll, findDeployment, findPlatform, recordAgsScopes, recordPlatformLms, upsertLtiCourse, upsertLtiLearner, type Course, type Learner, type Platform } from '../courses';
import { LaurelError } from '../errors';
import { courseRoles, landingRole, type CourseRole } from './roles';
import { launchServiceHosts, recordServiceHosts } from './service-hosts';
import type { LtiSession } from './session';

/** Custom parameters Laurel asks platforms to substitute (see tool-config.ts). */
export const CUSTOM = {
  userId: 'laurel_user_id',
  courseId: 'laurel_course_id',
  assignmentId: 'laurel_assignment_id',
  /** Set by Deep Linking: what a placed link opens ('course' or 'achievement:<id>'). */
  target: 'laurel_target',
} as const;

export interface LaunchOutcome {
  platform: Platform;
  course: Course;
  learner: Learner;
  session: LtiSession;
  /** The page to open, by the person's most relevant role. */
  landing: CourseRole;
  /** The placed target of the resource link ('course' unless Deep Linking placed a badge page). */
  target: string;
}

/**
 * Records what a verified launch tells Laurel (platform, course, person, enrolment, resource link and
 * the service URLs background jobs need) and decides the session it opens. Runs after ltijs checked
 * nonce and state and Laurel checked signature, audience, deployment and claims.
 */
export async function recordLaunch<T>(db: Kysely<T>, token: LtiIdToken): Promise<LaunchOutcome> {
  const platform = await findPlatform(db, { issuer: token.iss, clientId: token.clientId });
  if (!platform || platform.status !== 'active') throw new LaurelError('ERR_LTI_LAUNCH_INVALID', 'This platform is not active in Laurel.', { details: { reason: 'PLATFORM_INACTIVE' } });
  const deploymentRowId = await findDeployment(db, { platformId: platform.id, deploymentId: String(token.deploymentId) });
  if (!deploymentRowId) throw new LaurelError('ERR_LTI_DEPLOYMENT_UNKNOWN', undefined, { details: { reason: 'UNKNOWN_DEPLOYMENT' } });
  // A platform registered by hand as 'other' learns which LMS it is from its launches' tool_platform claim.
  const family = token.platformInfo?.product_family_code;
  if (platform.lms === 'other' && (family === 'canvas' || family === 'moodle')) {
    await recordPlatformLms(db, { platformId: platform.id, lms: family });
    platform.lms = family;
  }
  const claims = token.platformContext;
  if (!claims.context?.id) {
    throw new LaurelError('ERR_LTI_LAUNCH_INVALID', 'Laurel opens inside a course: launch it from a course, not from an account or site page.', { details: { reason: 'MISSING_CLAIM' } });
  }
  const custom = claims.custom ?? {};
  const roles = courseRoles(claims.roles ?? []);
  const landing = landingRole(roles);
  if (!landing) throw new LaurelError('ERR_FORBIDDEN', 'Your role in this course does not give access to Laurel.', { details: { reason: 'NO_ROLE' } });

  const course = await upsertLtiCourse(db, {
    platformId: platform.id,
    deploymentRowId,
    contextId: claims.context.id,
    title: claims.context.title || claims.context.label || 'Untitled course',
    label: claims.context.label ?? null,
    lmsCourseId: substituted(custom[CUSTOM.courseId]),
    agsLineitemsUrl: claims.endpoint?.lineitems ?? null,
    nrpsUrl: claims.namesRoles?.context_memberships_url ?? null,
  });
  // The hosts this verified launch names for its services become hosts Laurel may call for this platform.
  await recordServiceHosts(db, platform.id, launchServiceHosts(claims));
  // Gradebook feedback (src/reach) posts only with the scopes this platform grants in its launches.
  const agsScopes = claims.endpoint?.scope;
  if (Array.isArray(agsScopes)) await recordAgsScopes(db, { courseId: course.id, scopes: agsScopes.map(String) });
  const info = token.userInfo ?? {};
  const name = info.name || [info.given_name, info.family_name].filter(Boolean).join(' ') || null;
  const learner = await upsertLtiLearner(db, {
    platformId: platform.id,
    ltiUserId: token.user,
    lmsUserId: substituted(custom[CUSTOM.userId]),
    email: info.email || null,
    name,
  });
  await enroll(db, { courseId: course.id, learnerId: learner.id, roles: claims.roles ?? [], source: 'launch' });

  let target = 'course';
  if (claims.resource?.id) {
    const placed = substituted(custom[CUSTOM.target]);
    target = placed && /^(course|achievement:[0-9a-f-]{36})$/.test(placed) ? placed : 'course';
    await sql`
      insert into lti_resource_links (course_id, resource_link_id, title, lineitem_url, target)
      values (${course.id}, ${claims.resource.id}, ${claims.resource.title ?? null}, ${claims.endpoint?.lineitem ?? null}, ${target})
      on conflict (course_id, resource_link_id) do update set
        title = excluded.title,
        lineitem_url = coalesce(excluded.lineitem_url, lti_resource_links.lineitem_url),
        target = excluded.target,
        updated_at = now()`.execute(db);
  }
  return {
    platform,
    course,
    learner,
    session: { platformId: platform.id, courseId: course.id, learnerId: learner.id, roles },
    landing,
    target,
  };
}

/** A custom value, or null when the platform left the `$Variable` unsubstituted (unknown to it). */
function substituted(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const text = String(value).trim();
  return text === '' || text.startsWith('$') ? null : text;
}
