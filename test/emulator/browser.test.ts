// Headless Chromium through the emulator's own pages: register a tool in the iframe page, activate it as a
// Moodle admin, then click a launch link. Skips when Debian's Chromium is not installed.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startFakeTool, type FakeTool } from './fake-tool';
import { DEMO, startPlatform, type Platform } from './index';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP browser tests: no Chromium at ${CHROMIUM_PATH}`);

(haveChromium ? describe : describe.skip)('emulator in a browser (moodle)', () => {
  let browser: Browser;
  let platform: Platform;
  let tool: FakeTool;
  beforeAll(async () => {
    [browser, platform, tool] = await Promise.all([launchBrowser(), startPlatform({ profile: 'moodle' }), startFakeTool()]);
    platform.nrps.setMembers(DEMO.context.id, DEMO.members, DEMO.context);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), platform?.close(), tool?.close()]);
  });

  it('registers, activates and launches as a learner by clicking', async () => {
    const page = await browser.newPage();
    const registered = platform.waitForRegistration(10_000);
    await page.goto(`${platform.registrationStartUrl(`${tool.url}/register`)}&stay=1`);
    await page.waitForSelector('body[data-registration="closed"]');
    const toolRecord = await registered;
    await page.goto(platform.url);
    await page.getByRole('button', { name: 'Activate' }).click();
    await page.waitForURL(`${platform.url}/`);
    await page.getByRole('link', { name: 'learner', exact: true }).click();
    await page.waitForURL(`${tool.url}/launch`);
    expect(JSON.parse((await page.textContent('body')) ?? '{}')).toMatchObject({ ok: true, sub: '4' });
    expect(tool.launches[tool.launches.length - 1]?.payload.aud).toBe(toolRecord.clientId);
  });
});
