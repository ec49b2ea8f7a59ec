import { sql } from 'kysely';
import { issueCredentialJob } from '../../src/badges';
import { findPlatform } from '../../src/courses';
import { backfillAchievementJob, createEventSource, evaluateBatchJob, evaluateEventJob, fetchMoodleGradesJob } from '../../src/events';
import { dryRunAchievement, publishAchievement } from '../../src/publishing';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { browse, CookieJar, startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';

/**
 * Issue 13, Moodle flavour: a course whose two quizzes and grades exist before Laurel is installed.
 * The teacher's first launch lists both quizzes (the plugin's grade export, read before the page
 * renders); a published rule's backfill awards from the existing grades; a learner's first launch
 * shows their badge, also for a learner Laurel first hears of in that launch (parked events applied).
 */
describe('a Moodle course that existed before Laurel', () => {
  let laurel: RunningLaurel;
  let moodle: Platform;
  let workers: WorkerHost;
  let clientId: string;
  let token: string;
  let sourceId: string;
  let secret: string;
  const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };
  const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
  const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
  const ria = { id: '5', name: 'Ria Student', email: 'student2@example.com' };
  const late = { id: '6', name: 'Lee Late', email: 'student3@example.com' };
  let quiz1: number;
  let quiz2: number;

  beforeAll(async () => {
    laurel = await startLaurel();
    moodle = await startPlatform({ profile: 'moodle' });
    clientId = (await moodle.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    moodle.activateTool(clientId);
    const db = laurel.ctx.database.db;
    // The admin creates the Moodle event source in Laurel and types its id and secret into the plugin.
    const platform = (await findPlatform(db, { issuer: moodle.issuer, clientId }))!;
    const source = await createEventSource(db, { kind: 'moodle', platformId: platform.id });
    sourceId = source.id;
    secret = source.secret!;
    moodle.moodlePlugin.configure({ sourceId: source.id, secret: source.secret!, laurelUrl: laurel.url });

    // Weeks of teaching before Laurel: two quizzes, graded.
    moodle.nrps.setMembers(course.id, [{ ...teacher, roles: 'Instructor' }, { ...sam, roles: 'Learner' }, { ...ria, roles: 'Learner' }], course);
    const weeksAgo = Math.floor(Date.now() / 1000) - 21 * 86400;
    quiz1 = moodle.moodlePlugin.addGradeItem({ contextId: course.id, itemtype: 'mod', module: 'quiz', instance: 1, cmid: 21, name: 'Quiz 1: Foundations', grademax: 10, timemodified: weeksAgo }).id;
    quiz2 = moodle.moodlePlugin.addGradeItem({ contextId: course.id, itemtype: 'mod', module: 'quiz', instance: 2, cmid: 22, name: 'Quiz 2: Practice', grademax: 20, timemodified: weeksAgo }).id;
    moodle.moodlePlugin.setGrade(quiz1, { userId: sam.id, finalgrade: 9, timemodified: weeksAgo + 3600 });
    moodle.moodlePlugin.setGrade(quiz2, { userId: sam.id, finalgrade: 18, timemodified: weeksAgo + 7200 });
    moodle.moodlePlugin.setGrade(quiz1, { userId: ria.id, finalgrade: 4, timemodified: weeksAgo + 3600 });
    moodle.moodlePlugin.setGrade(quiz2, { userId: ria.id, finalgrade: 19, timemodified: weeksAgo + 7200 });

    token = (await createToken(db, { name: 'e2e', scopes: ['admin'] })).token;
    workers = startWorkers(laurel.ctx, { jobs: [evaluateEventJob, evaluateBatchJob, backfillAchievementJob, issueCredentialJob, fetchMoodleGradesJob], concurrency: 2 });
  });
  afterAll(async () => {
    await workers?.close(5000);
    await moodle?.close();
    await laurel?.close();
  });

  let courseId: string;
  let teacherJar: CookieJar;

  it("lists both quizzes on the teacher's first launch", async () => {
    teacherJar = new CookieJar();
    const page = await browse(moodle.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar: teacherJar });
    expect(page.status).toBe(200);
    courseId = /courses\/([0-9a-f-]{36})\/instructor/.exec(page.url)![1]!;
    expect(page.body).toContain('Quiz 1: Foundations');
    expect(page.body).toContain('Quiz 2: Practice');
    // One signed export page answered; the fetch is recorded as done.
    expect(moodle.moodlePlugin.requests).toEqual([{ status: 200, course: '2', after: '0', events: 6 }]);
    const { rows } = await sql<{ status: string; events: number }>`select status, events from lms_grade_fetches where course_id = ${courseId}`.execute(laurel.ctx.database.db);
    expect(rows).toEqual([{ status: 'done', events: 6 }]);
    // The grades are in the inbox, parked until their learners are known.
    const parked = await sql<{ n: string }>`select count(*) as n from score_events where course_id = ${courseId} and kind = 'score' and status = 'parked'`.execute(laurel.ctx.database.db);
    const unmapped = await sql<{ n: string }>`select count(*) as n from score_events where kind = 'score' and status = 'parked'`.execute(laurel.ctx.database.db);
    expect(Number(parked.rows[0]!.n) + Number(unmapped.rows[0]!.n)).toBeGreaterThanOrEqual(4);
    // The page offers both buttons.
    expect(page.body).toContain('Sync the roster');
    expect(page.body).toContain('Fetch grades from Moodle');
  });

  it('a dry run and the published rule\'s backfill award from the existing grades', async () => {
    const db = laurel.ctx.database.db;
    // "Sync the roster": learners who never opened Laurel become known and their grades count.
    const synced = await fetch(`${laurel.url}/lti/courses/${courseId}/roster/sync`, { method: 'POST', headers: { cookie: teacherJar.header(laurel.url)!, origin: laurel.url }, redirect: 'manual' });
    expect(synced.status).toBe(303);
    expect(synced.headers.get('location')).toContain('done=roster-synced');
    const scored = await waitFor(async () => Number((await sql<{ n: string }>`select count(*) as n from learner_scores where course_id = ${courseId}`.execute(db)).rows[0]!.n) === 4);
    expect(scored).toBe(true);

    const { rows: quizzes } = await sql<{ id: string; name: string }>`select id, name from assignments where course_id = ${courseId} order by name`.execute(db);
    expect(quizzes.map((q) => q.name)).toEqual(['Quiz 1: Foundations', 'Quiz 2: Practice']);
    const created = await fetch(`${laurel.url}/api/v1/achievements`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        courseId, name: 'Quiz master', description: 'Passed both quizzes', criteria: { narrative: 'At least 80% on both quizzes.' }, status: 'draft',
        rule: { kind: 'allOf', rules: quizzes.map((q) => ({ kind: 'score', assignmentId: q.id, minPercent: 80 })) },
      }),
    });
    expect(created.status).toBe(201);
    const achievementId = ((await created.json()) as { id: string }).id;

    const dry = await dryRunAchievement(laurel.ctx, { achievementId, now: new Date() });
    expect(dry.wouldEarn).toBe(1);
    await publishAchievement(laurel.ctx, { achievementId, actor: 'test', now: new Date() });
    const awarded = await waitFor(async () => (await sql<{ email: string }>`select l.email from awards a join learners l on l.id = a.learner_id where a.achievement_id = ${achievementId}`.execute(db)).rows.length === 1);
    expect(awarded).toBe(true);
    const { rows: holders } = await sql<{ email: string }>`select l.email from awards a join learners l on l.id = a.learner_id where a.achievement_id = ${achievementId}`.execute(db);
    expect(holders).toEqual([{ email: sam.email }]);
  });

  it("shows the learner their badge on their first launch", async () => {
    const page = await browse(moodle.launchUrl({ clientId, user: sam, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar: new CookieJar() });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/learner/);
    const earned = page.body.slice(page.body.indexOf('id="earned-title"'), page.body.indexOf('id="pending-title"'));
    expect(earned).toContain('Quiz master');
  });

  it('applies the grades of a learner Laurel first hears of in their launch before the page renders', async () => {
    // Lee joined late, was graded in Moodle (delivered by the export again), and was never in a roster sync.
    moodle.nrps.setMembers(course.id, [...moodle.nrps.members(course.id), { ...late, roles: 'Learner' }], course);
    moodle.moodlePlugin.setGrade(quiz1, { userId: late.id, finalgrade: 10 });
    moodle.moodlePlugin.setGrade(quiz2, { userId: late.id, finalgrade: 17 });
    const fetched = await fetch(`${laurel.url}/lti/courses/${courseId}/instructor/lms-grades`, {
      method: 'POST',
      headers: { cookie: teacherJar.header(laurel.url)!, origin: laurel.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(await instructorPage()) }).toString(),
      redirect: 'manual',
    });
    expect(fetched.status).toBe(303);
    expect(fetched.headers.get('location')).toContain('done=grades-fetched');
    // Only Lee's two grades are new; the earlier ones are duplicates of the first fetch.
    const lee = await sql<{ status: string }>`select status from score_events where lms_user_id = ${late.id}`.execute(laurel.ctx.database.db);
    expect(lee.rows.map((r) => r.status)).toEqual(['parked', 'parked']);

    // No sweep, no roster sync: the launch itself makes Lee known and applies the parked grades.
    const page = await browse(moodle.launchUrl({ clientId, user: late, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar: new CookieJar() });
    expect(page.status).toBe(200);
    const earned = page.body.slice(page.body.indexOf('id="earned-title"'), page.body.indexOf('id="pending-title"'));
    expect(earned).toContain('Quiz master');
  });

  it('is refused by the plugin when Laurel signs with a wrong secret, and says why on the page', async () => {
    moodle.moodlePlugin.configure({ sourceId, secret: 'another-secret-0123456789abcdef', laurelUrl: laurel.url });
    const page = await instructorPage();
    const fetched = await fetch(`${laurel.url}/lti/courses/${courseId}/instructor/lms-grades`, {
      method: 'POST',
      headers: { cookie: teacherJar.header(laurel.url)!, origin: laurel.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfOf(page) }).toString(),
      redirect: 'manual',
    });
    expect(fetched.headers.get('location')).toContain('done=grades-fetch-failed');
    expect(moodle.moodlePlugin.requests.at(-1)).toEqual({ status: 401 });
    expect(await instructorPage()).toContain('refused Laurel&#x27;s signature');
  });

  it('refuses "Fetch grades from Moodle" from a learner and without the form token', async () => {
    const learnerJar = new CookieJar();
    await browse(moodle.launchUrl({ clientId, user: ria, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar: learnerJar });
    const before = moodle.moodlePlugin.requests.length;
    const post = (cookie: string, body: string) => fetch(`${laurel.url}/lti/courses/${courseId}/instructor/lms-grades`, {
      method: 'POST', headers: { cookie, origin: laurel.url, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body, redirect: 'manual',
    });
    expect((await post(learnerJar.header(laurel.url)!, '_csrf=x')).status).toBe(403);
    expect((await post(teacherJar.header(laurel.url)!, '')).status).toBe(403);
    // None of them reached Moodle.
    expect(moodle.moodlePlugin.requests.length).toBe(before);
  });

  it('opens the first page of a course even when Moodle refuses the export, and says why', async () => {
    moodle.moodlePlugin.configure({ sourceId, secret, laurelUrl: laurel.url, allowExport: false });
    const other = { id: '3', label: 'OTHER', title: 'Another course' };
    moodle.nrps.setMembers(other.id, [{ ...teacher, roles: 'Instructor' }], other);
    const page = await browse(moodle.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: other, resourceLink: { id: '11', title: 'Badges' } }), { jar: new CookieJar() });
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/instructor$/);
    expect(page.body).toContain('does not allow the grade export');
    // A configuration refusal is not retried in the background: the teacher presses the button once it is fixed.
    const otherId = /courses\/([0-9a-f-]{36})\/instructor/.exec(page.url)![1]!;
    const { rows } = await sql<{ status: string }>`select status from lms_grade_fetches where course_id = ${otherId}`.execute(laurel.ctx.database.db);
    expect(rows).toEqual([{ status: 'failed' }]);
  });

  async function instructorPage(): Promise<string> {
    const res = await fetch(`${laurel.url}/lti/courses/${courseId}/instructor`, { headers: { cookie: teacherJar.header(laurel.url)! } });
    return res.text();
  }
});

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}
