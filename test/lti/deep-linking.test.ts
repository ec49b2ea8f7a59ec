import { sql } from 'kysely';
import { browse, CookieJar, startPlatform, type Platform, type ProfileName } from '../emulator';
import { startLaurel, type RunningLaurel } from './laurel';

const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
const student = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39|#x27|#x3D|#x60);/g, (_m, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'", '#x3D': '=', '#x60': '`' })[e] ?? _m);
}

function form(html: string): { action: string; fields: Record<string, string> } {
  const action = unescapeHtml(/<form[^>]*action="([^"]*)"/.exec(html)![1]!);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return { action, fields };
}

describe.each<ProfileName>(['moodle', 'canvas'])('Deep Linking through the %s emulator', (profile) => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let clientId: string;

  beforeAll(async () => {
    laurel = await startLaurel();
    platform = await startPlatform({ profile });
    clientId = (await platform.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    if (profile === 'moodle') platform.activateTool(clientId);
  });
  afterAll(async () => {
    await platform?.close();
    await laurel?.close();
  });

  it('lets an instructor place the course badge page as a graded assignment, which then opens for learners', async () => {
    const jar = new CookieJar();
    const picker = await browse(platform.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, messageType: 'LtiDeepLinkingRequest' }), { jar });
    expect(picker.status).toBe(200);
    expect(picker.body).toContain('Place Laurel in');
    const choice = form(picker.body);
    expect(choice.action).toBe('/lti/deep-linking');

    const placed = await fetch(`${laurel.url}${choice.action}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header(laurel.url)! },
      body: new URLSearchParams({ ltik: choice.fields.ltik!, choice: 'course', graded: '1' }),
    });
    expect(placed.status).toBe(200);
    const reply = form(await placed.text());
    const returned = await fetch(reply.action, { method: 'POST', body: new URLSearchParams(reply.fields), redirect: 'manual' });
    expect(returned.status).toBeLessThan(500);
    expect(platform.deepLinks).toHaveLength(1);
    const item = platform.deepLinks[0]!.contentItems[0] as { type: string; url: string; custom: Record<string, string>; lineItem?: { scoreMaximum: number; resourceId: string; tag: string } };
    expect(item).toMatchObject({ type: 'ltiResourceLink', url: `${laurel.url}/lti/launch`, custom: { laurel_target: 'course' }, lineItem: { scoreMaximum: 100, resourceId: 'laurel:course', tag: 'laurel' } });

    const created = platform.deepLinks[0]!.created[0]!;
    const learnerPage = await browse(platform.launchUrl({ clientId, user: student, roles: 'Learner', context: course, resourceLink: { id: created.resourceLinkId, title: created.title ?? 'Badges' }, custom: created.custom ?? {} }));
    expect(learnerPage.url).toMatch(/\/learner$/);
    const seen = platform.lastLaunch(clientId)!.payload['https://purl.imsglobal.org/spec/lti/claim/resource_link'] as { id: string };
    const link = await sql<{ target: string }>`select target from lti_resource_links where resource_link_id = ${seen.id}`.execute(laurel.ctx.database.db);
    expect(link.rows[0]?.target).toBe('course');
  });

  it('refuses a deep-linking choice from a learner launch and an unknown badge', async () => {
    const jar = new CookieJar();
    const refused = await browse(platform.launchUrl({ clientId, user: student, roles: 'Learner', context: course, messageType: 'LtiDeepLinkingRequest' }), { jar });
    expect(refused.status).toBe(403);
    expect(refused.body).toContain('<code>NO_ROLE</code>');

    const teacherJar = new CookieJar();
    const picker = await browse(platform.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, messageType: 'LtiDeepLinkingRequest' }), { jar: teacherJar });
    const choice = form(picker.body);
    const bad = await fetch(`${laurel.url}/lti/deep-linking`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: teacherJar.header(laurel.url)! },
      body: new URLSearchParams({ ltik: choice.fields.ltik!, choice: 'achievement:00000000-0000-4000-8000-000000000000' }),
    });
    expect(bad.status).toBe(400);
  });
});
