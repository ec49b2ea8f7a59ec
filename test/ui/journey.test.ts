// The in-course journey in a real browser through the Moodle emulator: an instructor builds a badge
// with a rule, dry-runs and publishes it; a score event arrives and the workers issue; the learner
// downloads it and its public page verifies; the instructor revokes it; an admin rotates keys and reads
// the audit log. axe-core checks every page type on the way. Skips without Debian's Chromium.
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { sql } from 'kysely';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { jobs } from '../../src/app';
import { browse, startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { accessibilityViolations } from '../support/axe';
import { eventually } from './support';
import { addOperator } from '../../src/operators';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP in-course browser tests: no Chromium at ${CHROMIUM_PATH}`);

const course = { id: '2', label: 'STAT200', title: 'Statistics 200' };
const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };
const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const ada = { id: '5', name: 'Ada Early', email: 'ada@example.com' };
const admin = { id: '2', name: 'Alex Admin', email: 'admin@example.com' };

(haveChromium ? describe : describe.skip)('in-course pages in a browser', () => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let browser: Browser;
  let workers: WorkerHost;
  let clientId: string;
  let token: string;
  let courseId: string;
  const contexts: BrowserContext[] = [];
  /** Console errors of our pages (a CSP refusal of an inline script or style would show here). */
  const consoleErrors: string[] = [];
  // Shared by the steps below, which run in order.
  let learner: Page;
  let teach: Page;
  let publicPage: Page;
  let samAward: { id: string; status: string; credential_id: string | null };
  let achievementId: string;

  beforeAll(async () => {
    const t0 = Date.now();
    [platform, browser] = await Promise.all([startPlatform({ profile: 'moodle' }), launchBrowser()]);
    // The emulated LMS shows Laurel in its own frame, so it must be an allowed frame ancestor.
    laurel = await startLaurel({ FRAME_ANCESTORS: `'self' ${platform.url}` });
    workers = startWorkers(laurel.ctx, { jobs, concurrency: 2 });
    clientId = (await platform.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    platform.activateTool(clientId);
    token = (await createToken(laurel.ctx.database.db, { name: 'ui-test', scopes: ['admin'] })).token;
    if (process.env.UI_TEST_TRACE) console.log(`setup took ${Date.now() - t0} ms`);
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await workers?.close(5000);
    await Promise.all([browser?.close(), platform?.close()]);
    await laurel?.close();
  });

  /** One browser context per person (each holds its own course session cookie). axe needs CSP bypassed. */
  async function launchAs(user: typeof sam, roles: 'Instructor' | 'Learner' | 'Administrator'): Promise<Page> {
    const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('console', (message) => {
      if (message.type() === 'error' && !/favicon/.test(message.location().url)) consoleErrors.push(message.text());
    });
    await page.goto(platform.launchUrl({ clientId, user, roles, context: course, resourceLink: { id: '10', title: 'Badges' } }));
    await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/(instructor|learner|admin)$/);
    courseId = /courses\/([0-9a-f-]{36})/.exec(page.url())![1]!;
    return page;
  }

  async function scoreEvent(props: { id: string; user: typeof sam; given: number }): Promise<void> {
    const res = await fetch(`${laurel.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: props.id, courseId, learner: { id: platform.ltiUserId(props.user), email: props.user.email, name: props.user.name }, assignment: { id: 'quiz-2', name: 'Quiz 2' }, scoreGiven: props.given, scoreMaximum: 100, occurredAt: new Date().toISOString() }),
    });
    expect(res.status).toBe(202);
  }

  const awardOf = (user: typeof sam) =>
    sql<{ id: string; status: string; credential_id: string | null }>`
      select a.id, a.status, a.credential_id from awards a join learners l on l.id = a.learner_id where l.email = ${user.email}`
      .execute(laurel.ctx.database.db).then((r) => r.rows[0]);

  jest.setTimeout(60_000);
  const step = (name: string) => process.env.UI_TEST_TRACE && console.log(`${new Date().toISOString()} ${name}`);

  it('instructor creates a badge with a rule, sees the dry run and publishes; the backfill awards', async () => {
    step('start');
    // Learners open Laurel once (Laurel learns who they are); Ada already has a passing grade.
    learner = await launchAs(sam, 'Learner');
    // Ada only needs to be known to Laurel: a plain HTTP launch is enough.
    expect((await browse(platform.launchUrl({ clientId, user: ada, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }))).status).toBe(200);
    step('learners launched');
    await scoreEvent({ id: 'ev-ada-1', user: ada, given: 91 });
    await eventually(() => sql`select 1 from learner_scores`.execute(laurel.ctx.database.db).then((r) => r.rows.length > 0), 'the first score');
    expect(await learner.locator('h1').textContent()).toBe(`Your badges in ${course.title}`);

    // Instructor: a form error first (server-side, field-level), then a valid badge with a rule.
    step('learner page checked');
    teach = await launchAs(teacher, 'Instructor');
    await teach.getByRole('button', { name: 'Save draft and see the dry run' }).click();
    expect(await teach.locator('#name').getAttribute('aria-invalid')).toBe('true');
    expect(await teach.locator('#name-error').textContent()).toBe('Enter a name.');
    expect(await accessibilityViolations(teach)).toEqual([]);
    step('form error shown');
    await teach.fill('#name', 'Quiz 2 master');
    await teach.fill('#description', 'Scored at least 80% on Quiz 2.');
    await teach.fill('#criteria', 'Score 80% or more on Quiz 2.');
    await teach.fill('#initials', 'Q2');
    const quiz = (await sql<{ id: string }>`select id from assignments where name = 'Quiz 2'`.execute(laurel.ctx.database.db)).rows[0]!;
    await teach.selectOption('#ruleAssignment0', quiz.id);
    await teach.fill('#ruleMin0', '80');
    await teach.getByRole('button', { name: 'Save draft and see the dry run' }).click();
    await teach.waitForURL(/\/instructor\/badges\/[0-9a-f-]{36}\?done=created$/);
    expect(await teach.locator('.ui-big').textContent()).toMatch(/^1 of 3 people in the course would earn/);
    expect(await teach.getByText('Ada Early').count()).toBe(1);
    expect(await accessibilityViolations(teach)).toEqual([]);
    step('dry run shown');
    await teach.getByRole('button', { name: 'Publish and award 1 learner(s)' }).click();
    await teach.waitForURL(/\?done=published$/);
    const ada1 = await eventually(() => awardOf(ada), 'the backfill award for Ada');
    expect(ada1.status).toBe('issued');

    // Editing keeps the image and the rule (no new version) when only the words change.
    await teach.getByRole('link', { name: 'Edit badge' }).click();
    expect(await teach.locator('#imageMode-keep').isChecked()).toBe(true);
    expect(await teach.locator('#ruleMin0').inputValue()).toBe('80');
    await teach.fill('#description', 'Scored at least 80% on Quiz 2 (descriptive statistics).');
    await teach.getByRole('button', { name: 'Save changes' }).click();
    await teach.waitForURL(/\?done=saved$/);
    const edited = (await sql<{ description: string; rule_version: number }>`select description, rule_version from achievements`.execute(laurel.ctx.database.db)).rows[0]!;
    expect(edited).toEqual({ description: 'Scored at least 80% on Quiz 2 (descriptive statistics).', rule_version: 2 });

    step('published and backfilled');
  });

  it('a score event issues; the learner sees and downloads the badge; its public pages verify', async () => {
    // Sam passes: the event goes through evaluate -> award -> issue.
    await scoreEvent({ id: 'ev-sam-1', user: sam, given: 85 });
    samAward = await eventually(() => awardOf(sam).then((a) => (a?.credential_id ? a : undefined)), "Sam's signed credential", 20_000);

    step('sam issued');
    await learner.reload();
    const card = learner.locator(`#award-${samAward.id}`);
    expect(await card.locator('h3').textContent()).toBe('Quiz 2 master');
    expect(await card.locator('.status').textContent()).toBe('Valid');
    expect(await accessibilityViolations(learner)).toEqual([]);
    const [download] = await Promise.all([learner.waitForEvent('download'), card.getByRole('link', { name: /^Download PNG/ }).click()]);
    const png = readFileSync((await download.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.includes(Buffer.from('openbadgecredential'))).toBe(true);
    // Roles and ownership: a learner cannot open instructor pages nor another person's QR code.
    expect((await learner.request.get(`${laurel.url}/lti/courses/${courseId}/instructor`)).status()).toBe(403);
    const adaAward = (await awardOf(ada))!;
    expect((await learner.request.get(`${laurel.url}/lti/courses/${courseId}/learner/awards/${adaAward.id}/qr.svg`)).status()).toBe(404);
    const qr = await learner.request.get(`${laurel.url}/lti/courses/${courseId}/learner/awards/${samAward.id}/qr.svg`);
    expect(qr.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    // CSRF: a form post without the page's token is refused.
    const forged = await learner.request.post(`${laurel.url}/lti/courses/${courseId}/learner/awards/${samAward.id}/visibility`, { form: { visibility: 'private' }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);

    step('downloaded');
    publicPage = await learner.context().newPage();
    await publicPage.goto(`${laurel.url}/credentials/${samAward.credential_id}`);
    expect(await publicPage.locator('#verification-title + p').textContent()).toMatch(/^This credential verifies/);
    step('credential page');
    expect(await accessibilityViolations(publicPage)).toEqual([]);
    step('credential page axe');
    achievementId = (await sql<{ id: string }>`select id from achievements`.execute(laurel.ctx.database.db)).rows[0]!.id;
    await publicPage.goto(`${laurel.url}/achievements/${achievementId}`);
    expect(await accessibilityViolations(publicPage)).toEqual([]);

    step('public pages checked');

    // Private: the public page then says only that the credential exists and is valid.
    await learner.locator(`#award-${samAward.id}`).getByRole('button', { name: /^Make private/ }).click();
    await learner.waitForURL(/\?done=private#award-/);
    expect(await learner.locator('p.notice').textContent()).toMatch(/^Your badge is now private/);
    await publicPage.goto(`${laurel.url}/credentials/${samAward.credential_id}`);
    expect(await publicPage.locator('h1').textContent()).toBe('Private credential');
  });

  it('the instructor revokes with a reason: learner and public pages say revoked; an admin rotates keys and reads the audit log', async () => {
    // Instructor revokes Sam's badge with a reason.
    await teach.goto(`${laurel.url}/lti/courses/${courseId}/instructor/badges/${achievementId}`);
    expect(await accessibilityViolations(teach)).toEqual([]);
    await teach.fill(`#reason-${samAward.id}`, 'Grade entered in error');
    await teach.locator(`#award-${samAward.id}`).getByRole('button', { name: /^Revoke/ }).click();
    await teach.waitForURL(/\?done=revoked$/);
    expect((await awardOf(sam))!.status).toBe('revoked');

    await learner.reload();
    expect(await learner.locator(`#award-${samAward.id} .status`).textContent()).toMatch(/^Revoked on \d{4}-\d{2}-\d{2}$/);
    expect(await learner.getByText('Reason given: Grade entered in error').count()).toBe(1);
    await publicPage.goto(`${laurel.url}/credentials/${samAward.credential_id}`);
    expect(await publicPage.locator('p.status').textContent()).toMatch(/Revoked/i);

    step('revoked');
    // Admin rotates the keys (confirmed) and sees it, and the revocation, in the audit log.
    // Rotating keys and the queue dashboard are operator actions (issue 15): the people who run Laurel name Alex one.
    const registered = await laurel.ctx.database.db.selectFrom('platforms' as never).select('id' as never).where('client_id' as never, '=', clientId as never).executeTakeFirstOrThrow() as { id: string };
    await addOperator(laurel.ctx.database.db, { platformId: registered.id, ltiUserId: admin.id });
    const console_ = await launchAs(admin, 'Administrator');
    expect(await console_.locator('h1').textContent()).toBe('Laurel administration');
    expect(await accessibilityViolations(console_)).toEqual([]);
    const activeBefore = await console_.locator('#keys tbody .status-ok').count();
    await console_.getByRole('button', { name: /^Rotate keys/ }).first().click();
    await console_.waitForURL(/\?done=rotated#keys$/);
    expect(await console_.locator('#keys tbody .status-ok').count()).toBe(activeBefore);
    expect(await console_.locator('#keys tbody .status-pending').count()).toBeGreaterThanOrEqual(activeBefore);
    // API tokens: the secret is shown once, then the token can be revoked.
    await console_.fill('#token-name', 'Gradebook bridge');
    await console_.check('#scope-events');
    await console_.getByRole('button', { name: 'Create token' }).click();
    expect(await console_.locator('#new-token').inputValue()).toMatch(/^lrl_/);
    await console_.getByRole('button', { name: 'Revoke Gradebook bridge' }).click();
    await console_.waitForURL(/\?done=token-revoked#tokens$/);
    expect(await console_.locator('#tokens tbody tr', { hasText: 'Gradebook bridge' }).locator('.status-revoked').count()).toBe(1);

    // Issuer profile: field-level message first, then saved.
    await console_.locator('#keys summary', { hasText: 'Edit the issuer profile' }).click();
    await console_.fill('#issuer-default-email', 'not-an-email');
    await console_.getByRole('button', { name: 'Save issuer profile' }).click();
    expect(await console_.locator('#issuer-default-email-error').textContent()).toBe('Enter an email address like badges@example.edu.');
    expect(await console_.locator('#issuer-default-email').getAttribute('aria-invalid')).toBe('true');
    await console_.fill('#issuer-default-name', 'Example University');
    await console_.fill('#issuer-default-email', 'badges@example.edu');
    await console_.getByRole('button', { name: 'Save issuer profile' }).click();
    await console_.waitForURL(/\?done=issuer-saved#keys$/);
    expect(await console_.locator('#keys h3').first().textContent()).toBe('Example University');

    // The queue dashboard opens with the admin session the console handed out.
    const queues = await console_.context().request.get(`${laurel.url}/admin/queues`);
    expect(queues.status()).toBe(200);
    const actions = await console_.locator('#audit tbody td:nth-child(3)').allTextContents();
    expect(actions).toEqual(expect.arrayContaining(['keys.rotated', 'issuer.updated', 'token.created', 'token.revoked', 'award.revoke', 'rule.published', 'achievement.create']));

    // The error page (a course without a session) is accessible too.
    const lost = await console_.context().newPage();
    const res = await lost.goto(`${laurel.url}/lti/courses/00000000-0000-4000-8000-000000000000/instructor`, { waitUntil: 'load' });
    expect(res?.status()).toBe(401);
    expect(await accessibilityViolations(lost)).toEqual([]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/.test(e))).toEqual([]);
  });

  it('imports a gradebook CSV export and shows the progress', async () => {
    const csv = [
      '"First name","Last name","ID number",Institution,Department,"Email address","Quiz: Quiz 3 (Real)","Last downloaded from this course"',
      `Ada,Early,,,,${ada.email},9.00,1763796405`,
    ].join('\n');
    await teach.goto(`${laurel.url}/lti/courses/${courseId}/instructor`);
    await teach.setInputFiles('#gradebook', { name: 'grades.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await teach.getByRole('button', { name: 'Import grades' }).click();
    await teach.waitForURL(/\/instructor\/imports\/[^/?]+\?scores=1$/);
    // The page's script polls and reloads once the import job is done.
    await teach.getByRole('heading', { level: 2, name: 'Import finished' }).waitFor({ timeout: 20_000 });
    expect(await teach.locator('progress').getAttribute('value')).toBe('1');
    expect(await teach.locator('.ui-import-text').textContent()).toMatch(/^1 of 1 grade\(s\): 1 new/);
    expect(await accessibilityViolations(teach)).toEqual([]);
  });

  it('works inside the LMS frame', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(platform.framedLaunchUrl({ clientId, user: sam, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }));
    const frame = page.frameLocator('#contentframe');
    await frame.getByRole('heading', { level: 1, name: `Your badges in ${course.title}` }).waitFor({ timeout: 15_000 });
    expect(await frame.locator('.status-revoked').count()).toBe(1);
  });
});
