import { sql } from 'kysely';
import { browse, CookieJar, startPlatform, type LaunchTamper, type Platform, type ProfileName } from '../emulator';
import { hasStackTrace, startLaurel, type RunningLaurel } from './laurel';

const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
const student = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };
const otherCourse = { id: '7', label: 'OTHER', title: 'Other Course' };
// The role pages (ours or the in-course pages mounted ahead of them) name the course in their heading.
const INSTRUCTOR_HEADING = /<h1[^>]*>(Badges in LTI Lab Course|LTI Lab Course: badges)<\/h1>/;
const LEARNER_HEADING = /<h1[^>]*>(Your badges in LTI Lab Course|LTI Lab Course: your badges)<\/h1>/;

describe.each<ProfileName>(['moodle', 'canvas'])('LTI launches through the %s emulator', (profile) => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let clientId: string;

  beforeAll(async () => {
    laurel = await startLaurel();
    platform = await startPlatform({ profile });
    const reg = await platform.registerTool({ registrationUrl: laurel.registrationUrl });
    clientId = reg.clientId;
    if (profile === 'moodle') platform.activateTool(clientId);
  });
  afterAll(async () => {
    await platform?.close();
    await laurel?.close();
  });

  const launch = (options: { user: typeof student; roles: string; context?: typeof course; tamper?: LaunchTamper; jar?: CookieJar }) =>
    browse(
      platform.launchUrl({ clientId, user: options.user, roles: options.roles as 'Learner', context: options.context ?? course, resourceLink: { id: '10', title: 'Badges' }, ...(options.tamper ? { tamper: options.tamper } : {}) }),
      options.jar ? { jar: options.jar } : {},
    );

  it('registers dynamically: a confirmation page, the platform and (Moodle) its deployment', async () => {
    const platforms = await sql<{ issuer: string; client_id: string; lms: string; status: string; deployments: string[] }>`
      select p.issuer, p.client_id, p.lms, p.status, array_remove(array_agg(d.deployment_id), null) as deployments
      from platforms p left join deployments d on d.platform_id = p.id group by p.id`.execute(laurel.ctx.database.db);
    expect(platforms.rows).toHaveLength(1);
    expect(platforms.rows[0]).toMatchObject({ issuer: platform.issuer, client_id: clientId, lms: profile, status: 'active' });
    const tool = platform.tools().find((t) => t.clientId === clientId)!;
    if (profile === 'moodle') expect(platforms.rows[0]!.deployments).toEqual([tool.deploymentId]);
    else expect(platforms.rows[0]!.deployments).toEqual([]);
    const config = tool.registration!['https://purl.imsglobal.org/spec/lti-tool-configuration'] as { custom_parameters: Record<string, string>; messages: Array<{ type: string; placements?: string[] }> };
    if (profile === 'canvas') {
      expect(config.custom_parameters).toEqual({ laurel_user_id: '$Canvas.user.id', laurel_course_id: '$Canvas.course.id', laurel_assignment_id: '$Canvas.assignment.id' });
      expect(config.messages.find((m) => m.type === 'LtiDeepLinkingRequest')?.placements).toEqual(['link_selection', 'assignment_selection']);
      expect(config.messages.find((m) => m.type === 'LtiResourceLinkRequest')?.placements).toEqual(['course_navigation']);
    } else {
      expect(config.custom_parameters).toEqual({ laurel_user_id: '$User.id', laurel_course_id: '$Context.id' });
    }
    expect(String(tool.registration!.scope).split(' ')).toEqual(expect.arrayContaining([
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ]));
  });

  it('sends an instructor to the instructor page and records course, person and services', async () => {
    await sql`update platforms set lms = 'other'`.execute(laurel.ctx.database.db);
    const page = await launch({ user: teacher, roles: 'Instructor' });
    const lms = await sql<{ lms: string }>`select lms from platforms`.execute(laurel.ctx.database.db);
    expect(lms.rows[0]!.lms).toBe(profile);
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/instructor$/);
    expect(page.body).toMatch(INSTRUCTOR_HEADING);
    const row = await sql<{ lms_course_id: string | null; ags_lineitems_url: string | null; nrps_url: string | null; deployment_id: string | null }>`
      select lms_course_id, ags_lineitems_url, nrps_url, deployment_id from courses where context_id = ${platform.ltiContextId(course.id)}`.execute(laurel.ctx.database.db);
    expect(row.rows[0]).toMatchObject({ lms_course_id: course.id, ags_lineitems_url: expect.stringContaining('http'), nrps_url: expect.stringContaining('http') });
    expect(row.rows[0]!.deployment_id).not.toBeNull();
    const person = await sql<{ lms_user_id: string | null; email: string | null }>`select lms_user_id, email from learners where lti_user_id = ${platform.ltiUserId(teacher)}`.execute(laurel.ctx.database.db);
    expect(person.rows[0]).toEqual({ lms_user_id: teacher.id, email: teacher.email });
  });

  it('sends a learner to the learner page, and keeps the learner out of instructor, admin and other-course routes', async () => {
    const jar = new CookieJar();
    const page = await launch({ user: student, roles: 'Learner', jar });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/learner$/);
    expect(page.body).toMatch(LEARNER_HEADING);
    const courseId = /courses\/([0-9a-f-]{36})\//.exec(page.url)![1]!;
    const get = (path: string, cookie = jar.header(laurel.url)) => fetch(`${laurel.url}${path}`, { headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) }, redirect: 'manual' });

    expect((await get(`/lti/courses/${courseId}/learner`)).status).toBe(200);
    const instructor = await get(`/lti/courses/${courseId}/instructor`);
    expect(instructor.status).toBe(403);
    expect(((await instructor.json()) as { code: string }).code).toBe('ERR_FORBIDDEN');
    expect((await get(`/lti/courses/${courseId}/admin`)).status).toBe(403);
    expect((await get(`/lti/courses/${courseId}/roster.json`)).status).toBe(403);

    // Another course the learner also belongs to, launched in another tab: its session does not open this one's instructor data.
    const other = await launch({ user: student, roles: 'Learner', context: otherCourse });
    const otherId = /courses\/([0-9a-f-]{36})\//.exec(other.url)![1]!;
    expect(otherId).not.toBe(courseId);
    expect((await get(`/lti/courses/${otherId}/learner`)).status).toBe(401);
    // A session cookie copied under another course's name is refused: the signed course id decides.
    const stolen = jar.get(laurel.url, `laurel_lti_${courseId}`)!;
    const forged = await get(`/lti/courses/${otherId}/learner`, `laurel_lti_${otherId}=${stolen}`);
    expect(forged.status).toBe(403);
    expect((await get(`/lti/courses/${courseId}/learner`, `laurel_lti_${courseId}=${stolen.slice(0, -3)}abc`)).status).toBe(401);

    // Standing is checked on every request: a dropped enrolment or a disabled platform ends the session.
    const db = laurel.ctx.database.db;
    await sql`update enrollments set status = 'deleted' where course_id = ${courseId}`.execute(db);
    expect((await get(`/lti/courses/${courseId}/learner`)).status).toBe(403);
    await sql`update enrollments set status = 'active' where course_id = ${courseId}`.execute(db);
    await sql`update platforms set status = 'disabled'`.execute(db);
    expect((await get(`/lti/courses/${courseId}/learner`)).status).toBe(403);
    await sql`update platforms set status = 'active'`.execute(db);
    expect((await get(`/lti/courses/${courseId}/learner`)).status).toBe(200);
  });

  it('sends an administrator to the admin console', async () => {
    const page = await launch({ user: { id: '2', name: 'Ada Admin', email: 'admin@example.com' }, roles: 'Administrator' });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/admin$/);
    expect(page.body).toMatch(/<h1[^>]*>Laurel administration<\/h1>/);
  });

  it('follows a platform key rotation: an unknown kid triggers a JWKS refetch and the launch succeeds', async () => {
    // The verifier refetches on a kid miss at most every 5 s (forged kids must not make Laurel hammer the LMS).
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    await platform.rotateKey({ dropPrevious: true });
    const page = await launch({ user: student, roles: 'Learner' });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/learner$/);
  });

  it('offers a working "open in a new window" path when the frame blocks Laurel’s cookies', async () => {
    // A jar that drops Laurel's cookies plays a browser blocking third-party cookies inside the LMS frame.
    class BlockingJar extends CookieJar {
      override store(url: string, setCookies: string[]): void {
        if (!url.startsWith(laurel.url)) super.store(url, setCookies);
      }
    }
    const framed = await launch({ user: student, roles: 'Learner', jar: new BlockingJar() });
    expect(framed.status).toBe(200);
    expect(framed.body).toContain('Open Laurel in a new window');
    expect(framed.body).toContain('target="_blank"');
    const fields: Array<[string, string]> = [...framed.body.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)].map((m): [string, string] => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&').replace(/&#x3D;/g, '=')]);
    expect(fields.map(([name]) => name)).not.toContain('laurel_cc');
    // The new window is a first-party context: the same login, replayed there, completes.
    const inWindow = await browse(`${laurel.url}/lti/login?${new URLSearchParams(fields).toString()}`, { jar: new CookieJar() });
    expect(inWindow.status).toBe(200);
    expect(inWindow.url).toMatch(/\/learner$/);
  });

  it.each<[string, LaunchTamper, number, string]>([
    ['bad signature', { badSignature: true }, 401, 'BAD_SIGNATURE'],
    ['unknown kid', { unknownKid: true }, 401, 'UNKNOWN_KID'],
    ['wrong aud', { wrongAud: true }, 401, 'WRONG_AUD'],
    ['wrong iss', { wrongIss: true }, 401, 'WRONG_ISS'],
    ['unknown deployment', { unknownDeployment: true }, 403, 'UNKNOWN_DEPLOYMENT'],
    ['expired token', { expired: true }, 401, 'EXPIRED'],
    ['replayed nonce', { replayNonce: true }, 401, 'REPLAYED_NONCE'],
    ['missing required claim', { missingClaim: 'https://purl.imsglobal.org/spec/lti/claim/roles' }, 401, 'MISSING_CLAIM'],
    ['state mismatch', { stateMismatch: true }, 401, 'STATE_MISMATCH'],
  ])('refuses a launch with a %s: clear page, no stack trace, one log line', async (_name, tamper, status, reason) => {
    if (profile === 'canvas' && tamper.unknownDeployment) {
      // Canvas registrations accept new deployments (Canvas names none at registration); turn that off to test refusal.
      await sql`update platforms set registration = registration || '{"acceptNewDeployments": false}'::jsonb`.execute(laurel.ctx.database.db);
    }
    const before = laurel.logs.length;
    const page = await launch({ user: student, roles: 'Learner', tamper });
    expect(page.status).toBe(status);
    expect(page.body).toContain(`<code>${reason}</code>`);
    expect(page.body).toMatch(/Open Laurel again|administrator/);
    expect(hasStackTrace(page.body)).toBe(false);
    const lines = laurel.logs.slice(before).filter((l) => l.msg === 'LTI launch refused');
    expect(lines.map((l) => l.reason)).toEqual([reason]);
  });
});
