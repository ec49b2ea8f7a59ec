import { sql } from 'kysely';
import { findPlatform } from '../../src/courses';
import { PgLtiStore, rosterSyncJob, serviceClients, type ServiceClients } from '../../src/lti';
import { browse, CookieJar, startPlatform, type Platform, type ProfileName } from '../emulator';
import { startLaurel, type RunningLaurel } from './laurel';

const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

describe.each<ProfileName>(['canvas', 'moodle'])('NRPS and AGS against the %s emulator', (profile) => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let clientId: string;
  let courseId: string;
  let jar: CookieJar;
  let clients: ServiceClients;
  let lineItemsUrl: string;

  beforeAll(async () => {
    laurel = await startLaurel();
    platform = await startPlatform({ profile });
    clientId = (await platform.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    if (profile === 'moodle') platform.activateTool(clientId);
    jar = new CookieJar();
    const page = await browse(platform.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar });
    courseId = /courses\/([0-9a-f-]{36})\/instructor/.exec(page.url)![1]!;
    const db = laurel.ctx.database.db;
    const store = new PgLtiStore(db);
    await store.setup();
    const row = (await findPlatform(db, { issuer: platform.issuer, clientId }))!;
    clients = serviceClients({ store, keyEncryptionKey: laurel.ctx.config.KEY_ENCRYPTION_KEY, userAgent: 'Laurel/test (+services)' }, row);
    lineItemsUrl = (await sql<{ ags_lineitems_url: string }>`select ags_lineitems_url from courses where id = ${courseId}`.execute(db)).rows[0]!.ags_lineitems_url;
  });
  afterAll(async () => {
    await platform?.close();
    await laurel?.close();
  });

  it('syncs a 1,000-member roster over 20 pages from the instructor page', async () => {
    const members = Array.from({ length: 1000 }, (_, i) => ({ id: String(1000 + i), name: `Learner ${i}`, email: `l${i}@example.com`, roles: 'Learner' as const }));
    platform.nrps.setMembers(course.id, [{ ...teacher, roles: 'Instructor' }, ...members.slice(0, 999)], course);
    // Moodle answers everything in one page unless asked; this course is big enough to page on Canvas only.
    const before = platform.requests.length;
    const response = await fetch(`${laurel.url}/lti/courses/${courseId}/roster/sync`, { method: 'POST', headers: { cookie: jar.header(laurel.url)!, origin: laurel.url }, redirect: 'manual' });
    expect(response.status).toBe(303);
    const { rows } = await sql<{ n: string }>`select count(*) as n from enrollments e join learners l on l.id = e.learner_id where e.course_id = ${courseId} and e.status = 'active'`.execute(laurel.ctx.database.db);
    expect(Number(rows[0]!.n)).toBe(1000);
    const pages = platform.requests.slice(before).filter((r) => /names_and_roles|memberships/.test(r.path));
    if (profile === 'canvas') expect(pages).toHaveLength(20);
    expect(pages.every((r) => r.userAgent?.startsWith('Laurel/'))).toBe(true);
  });

  it('runs the same sync as a queued job (perform called directly)', async () => {
    const run = { ctx: laurel.ctx, jobId: 'roster-test', attempt: 1, progress: async () => undefined };
    const result = (await rosterSyncJob.perform({ courseId }, run)) as { pages: number; members: number };
    expect(result.members).toBe(1000);
    expect(result.pages).toBe(profile === 'canvas' ? 20 : 1);
    await expect(rosterSyncJob.perform({ courseId: '00000000-0000-4000-8000-000000000000' }, run)).rejects.toThrow(/no Names and Roles service/);
  });

  it('refuses a roster sync posted from another site', async () => {
    const response = await fetch(`${laurel.url}/lti/courses/${courseId}/roster/sync`, { method: 'POST', headers: { cookie: jar.header(laurel.url)!, origin: 'https://evil.example', accept: 'application/json' }, redirect: 'manual' });
    expect(response.status).toBe(403);
  });

  it('finds or creates one line item by resourceId and tag, even when run twice', async () => {
    const props = { label: 'Quiz 2 badge', scoreMaximum: 10, resourceId: 'laurel:course', tag: 'laurel' };
    const first = await clients.ags.findOrCreateLineItem(lineItemsUrl, props);
    const second = await clients.ags.findOrCreateLineItem(lineItemsUrl, props);
    expect(second.id).toBe(first.id);
    expect(platform.ags.lineItems(course.id, clientId).filter((i) => i.resourceId === 'laurel:course')).toHaveLength(1);
    const listed = await clients.ags.listLineItems(lineItemsUrl);
    expect(listed.map((i) => i.id)).toContain(first.id);
  });

  it('posts a score with a comment that the platform records, and reads it back as a result', async () => {
    const item = await clients.ags.findOrCreateLineItem(lineItemsUrl, { label: 'Graded', scoreMaximum: 10, resourceId: 'laurel:graded', tag: 'laurel' });
    if (profile === 'moodle') expect(item.id).toContain('?type_id=');
    const learner = { id: '1000', name: 'Learner 0', email: 'l0@example.com' };
    await clients.ags.postScore(item.id, { userId: platform.ltiUserId(learner), scoreGiven: 7, scoreMaximum: 10, comment: 'Badge earned', timestamp: new Date().toISOString() });
    const scores = platform.ags.scoresFor(item.id);
    expect(scores).toHaveLength(1);
    expect(scores[0]).toMatchObject({ scoreGiven: 7, scoreMaximum: 10, comment: 'Badge earned' });
    expect(scores[0]!.userAgent).toBe('Laurel/test (+services)');
    const results = await clients.ags.readResults(item.id, { userId: platform.ltiUserId(learner) });
    expect(results).toHaveLength(1);
    expect(results[0]!.resultScore).toBe(profile === 'moodle' ? 7 : 7);
  });

  it('caches the service token and backs off when the platform throttles', async () => {
    const tokenCallsBefore = platform.requests.filter((r) => /token/.test(r.path)).length;
    platform.failNext({ service: 'ags', status: 429, retryAfter: 1 });
    const started = Date.now();
    const items = await clients.ags.listLineItems(lineItemsUrl);
    expect(items.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(platform.requests.filter((r) => /token/.test(r.path)).length).toBe(tokenCallsBefore);
  });
});
