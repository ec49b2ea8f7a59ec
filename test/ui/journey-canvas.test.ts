// The in-course journey through the Canvas emulator, in a real browser: Dynamic Registration; the admin
// adds a Canvas event source and has Laurel create the Live Events subscription; Canvas announces an
// assignment; the instructor builds a badge with a rule on it, dry-runs and publishes; a signed
// grade_change takes a learner over the threshold; the learner sees the badge, downloads the PNG and
// opens its public page, which verifies, and the issuer page it links to. Shorter than the Moodle journey
// (journey.test.ts), which covers revocation, keys and the audit log. Skips without Debian's Chromium.
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'kysely';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { jobs } from '../../src/app';
import { browse, startPlatform, type Platform } from '../emulator';
import { canvasGlobalId } from '../emulator/profile';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { accessibilityViolations } from '../support/axe';
import { eventually } from './support';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP Canvas browser journey: no Chromium at ${CHROMIUM_PATH}`);

const course = { id: '2', label: 'BIO101', title: 'Biology 101' };
const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const ada = { id: '5', name: 'Ada Early', email: 'ada@example.com' };
const admin = { id: '2', name: 'Alex Admin', email: 'admin@example.com' };
const quiz = { id: '355', title: 'Cells quiz', points: 10 };

(haveChromium ? describe : describe.skip)('Canvas journey in a browser', () => {
  let laurel: RunningLaurel;
  let canvas: Platform;
  let browser: Browser;
  let workers: WorkerHost;
  let clientId: string;
  const contexts: BrowserContext[] = [];
  jest.setTimeout(60_000);

  beforeAll(async () => {
    [canvas, browser] = await Promise.all([startPlatform({ profile: 'canvas' }), launchBrowser()]);
    laurel = await startLaurel({ FRAME_ANCESTORS: `'self' ${canvas.url}` });
    workers = startWorkers(laurel.ctx, { jobs, concurrency: 2 });
    // Canvas Dynamic Registration: active at once (no Activate step as in Moodle); the deployment id
    // comes with the first launch.
    clientId = (await canvas.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await workers?.close(5000);
    await Promise.all([browser?.close(), canvas?.close()]);
    await laurel?.close();
  });

  const launchUrl = (user: typeof sam, roles: 'Instructor' | 'Learner' | 'Administrator') =>
    canvas.launchUrl({ clientId, user, roles, context: course, resourceLink: { id: '10', title: 'Badges' } });

  async function launchAs(user: typeof sam, roles: 'Instructor' | 'Learner' | 'Administrator'): Promise<Page> {
    const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept()); // publishing asks to confirm
    await page.goto(launchUrl(user, roles));
    await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/(instructor|learner|admin)$/);
    return page;
  }

  /** Canvas Live Events (Canvas format) with global ids, as real Canvas sends them; signed by the emulator. */
  async function liveEvent(eventName: string, body: Record<string, unknown>): Promise<void> {
    const deliveries = await canvas.dataServices.deliver({
      metadata: { event_name: eventName, event_time: new Date().toISOString(), context_type: 'Course', context_id: canvasGlobalId(course.id), root_account_uuid: 'emulated-root' },
      body,
    });
    expect(deliveries.map((d) => d.status)).toEqual([202]);
  }
  const gradeChange = (user: typeof sam, score: number) => liveEvent('grade_change', {
    assignment_id: canvasGlobalId(quiz.id), submission_id: canvasGlobalId(`9${user.id}`), user_id: canvasGlobalId(user.id), student_id: canvasGlobalId(user.id),
    score, points_possible: quiz.points, grade: String(score), muted: false, grading_complete: true,
  });

  const awardOf = (user: typeof sam) =>
    sql<{ id: string; status: string; credential_id: string | null }>`
      select a.id, a.status, a.credential_id from awards a join learners l on l.id = a.learner_id where l.email = ${user.email}`
      .execute(laurel.ctx.database.db).then((r) => r.rows[0]);

  it('registers, subscribes to Live Events, builds and publishes a badge; a signed grade_change issues it and the learner verifies it', async () => {
    // Learners open Laurel once, so it knows their Canvas ids ($Canvas.user.id).
    const learner = await launchAs(sam, 'Learner');
    expect((await browse(launchUrl(ada, 'Learner'))).status).toBe(200);

    // Admin: a Canvas event source with the emulator's Live Events key set, then the subscription,
    // created by Laurel through Canvas Data Services with its own LTI token.
    const console_ = await launchAs(admin, 'Administrator');
    await console_.locator('#sources summary', { hasText: 'Add a Canvas source' }).click();
    await console_.fill('#canvas-source-name', 'Biology Canvas');
    await console_.fill('#canvas-source-jwksUrl', canvas.dataServices.jwksUrl);
    await console_.getByRole('button', { name: 'Create Canvas source' }).click();
    const source = console_.locator('.ui-source', { hasText: 'Biology Canvas' });
    await source.locator('summary', { hasText: 'Create Canvas Live Events subscription' }).click();
    await source.locator('input[name="accountId"]').fill(canvas.ltiContextId('1'));
    await source.getByRole('button', { name: 'Create Canvas Live Events subscription' }).click();
    await console_.locator('#subscription-outcome', { hasText: /Canvas created subscription/ }).waitFor();
    expect(canvas.dataServices.subscriptions()).toEqual([expect.objectContaining({ State: 'Active', EventTypes: expect.arrayContaining(['grade_change', 'assignment_created']) })]);

    // Canvas announces the quiz, and Ada already passed it (9/10).
    await liveEvent('assignment_created', { assignment_id: canvasGlobalId(quiz.id), context_id: canvasGlobalId(course.id), context_type: 'Course', title: quiz.title, points_possible: quiz.points, workflow_state: 'published' });
    const assignment = await eventually(() => sql<{ id: string }>`select id from assignments where name = ${quiz.title}`.execute(laurel.ctx.database.db).then((r) => r.rows[0]), 'the announced assignment');
    await gradeChange(ada, 9);
    await eventually(() => sql`select 1 from learner_scores`.execute(laurel.ctx.database.db).then((r) => r.rows.length > 0), "Ada's score");

    // Instructor: a badge with a rule on the quiz, the dry run, publish.
    const teach = await launchAs(teacher, 'Instructor');
    await teach.fill('#name', 'Cell Explorer');
    await teach.fill('#description', 'Knows the parts of a cell.');
    await teach.fill('#criteria', 'Score 80% or more on the cells quiz.');
    await teach.fill('#initials', 'CE');
    await teach.selectOption('#ruleAssignment0', assignment.id);
    await teach.fill('#ruleMin0', '80');
    await teach.getByRole('button', { name: 'Save draft and see the dry run' }).click();
    await teach.waitForURL(/\/instructor\/badges\/[0-9a-f-]{36}\?done=created$/);
    expect(await teach.locator('.ui-big').textContent()).toMatch(/^1 of \d+ people in the course would earn/);
    expect(await teach.getByText('Ada Early').count()).toBe(1);
    await teach.getByRole('button', { name: 'Publish and award 1 learner(s)' }).click();
    await teach.waitForURL(/\?done=published$/);
    expect((await eventually(() => awardOf(ada), 'the backfill award for Ada')).status).toBe('issued');

    // Sam's grade arrives as a signed Live Event: 8.5/10 reaches the 80% threshold.
    await gradeChange(sam, 8.5);
    const award = await eventually(() => awardOf(sam).then((a) => (a?.credential_id ? a : undefined)), "Sam's signed credential", 20_000);

    // The learner sees the badge, downloads the baked PNG, and opens the public page, which verifies.
    await learner.reload();
    const card = learner.locator(`#award-${award.id}`);
    expect(await card.locator('h3').textContent()).toBe('Cell Explorer');
    expect(await card.locator('.status').textContent()).toBe('Valid');
    const [download] = await Promise.all([learner.waitForEvent('download'), card.getByRole('link', { name: /^Download PNG/ }).click()]);
    const png = readFileSync((await download.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.includes(Buffer.from('openbadgecredential'))).toBe(true);
    const publicPage = await learner.context().newPage();
    await publicPage.goto(`${laurel.url}/credentials/${award.credential_id}`);
    expect(await publicPage.locator('#verification-title + p').textContent()).toMatch(/^This credential verifies/);
    expect(await publicPage.locator('.checks tr.check-failed').count()).toBe(0);

    // The issuer name leads to the issuer page, which lists the published badge.
    await publicPage.locator('p.issuer a').click();
    await publicPage.waitForURL(/\/issuers\/default$/);
    expect(await publicPage.getByRole('link', { name: 'Cell Explorer' }).count()).toBe(1);
    expect(await accessibilityViolations(publicPage)).toEqual([]);
  });
});
