// End to end in headless Chromium: an LMS admin registers Laurel (Dynamic Registration in the LMS's
// iframe), then an instructor and a learner launch and reach their pages. One browser for the suite.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startPlatform, type Platform, type ProfileName } from '../emulator';
import { startLaurel, type RunningLaurel } from './laurel';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP LTI browser tests: no Chromium at ${CHROMIUM_PATH}`);

const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

(haveChromium ? describe : describe.skip)('Laurel in a browser, through the LMS emulator', () => {
  let browser: Browser;
  const started: Array<{ close(): Promise<void> }> = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close().catch(() => undefined)));
    await browser?.close();
  });

  it.each<ProfileName>(['moodle', 'canvas'])('%s: dynamic registration by an admin, then instructor and learner launches', async (profile) => {
    const step = (name: string) => process.env.DEBUG_LTI_E2E && console.log(profile, name, new Date().toISOString());
    const platform: Platform = await startPlatform({ profile });
    started.push(platform);
    const laurel: RunningLaurel = await startLaurel({ FRAME_ANCESTORS: `'self' ${platform.url}` });
    started.push(laurel);
    step('started');

    const admin = await browser.newContext();
    const page = await admin.newPage();
    const registered = platform.waitForRegistration(20_000);
    await page.goto(`${platform.registrationStartUrl(laurel.registrationUrl)}&stay=1`);
    const tool = await registered;
    step('registered');
    const frame = page.frameLocator('#tool');
    await frame.getByRole('heading', { name: 'Laurel is registered' }).waitFor({ timeout: 15_000 });
    await frame.getByRole('button', { name: 'Done' }).click();
    await page.waitForSelector('body[data-registration="closed"]');
    if (profile === 'moodle') platform.activateTool(tool.clientId);
    await admin.close();

    step('admin done');
    const teacherContext = await browser.newContext();
    const teacherPage = await teacherContext.newPage();
    await teacherPage.goto(platform.launchUrl({ clientId: tool.clientId, user: { id: '3', name: 'Terry Teacher', email: 't@example.com' }, roles: 'Instructor', context: course, resourceLink: { id: '10', title: 'Badges' } }));
    await teacherPage.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/instructor$/, { timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(`instructor launch stopped at ${teacherPage.url()}: ${(await teacherPage.textContent('body'))?.slice(0, 500)}`, { cause: error });
    });
    expect(await teacherPage.getByRole('heading', { level: 1 }).textContent()).toMatch(/^(Badges in LTI Lab Course|LTI Lab Course: badges)$/);
    await teacherContext.close();

    step('teacher done');
    const learnerContext = await browser.newContext();
    const learnerPage = await learnerContext.newPage();
    await learnerPage.goto(platform.launchUrl({ clientId: tool.clientId, user: { id: '4', name: 'Sam Student', email: 's@example.com' }, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges' } }));
    await learnerPage.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/learner$/);
    expect(await learnerPage.getByRole('heading', { level: 1 }).textContent()).toMatch(/^(Your badges in LTI Lab Course|LTI Lab Course: your badges)$/);
    // The learner's session cannot open the instructor page of the same course.
    const instructorUrl = learnerPage.url().replace(/\/learner$/, '/instructor');
    const refused = await learnerPage.goto(instructorUrl);
    expect(refused?.status()).toBe(403);
    step('learner done');
    await learnerContext.close();
  }, 90_000);
});
