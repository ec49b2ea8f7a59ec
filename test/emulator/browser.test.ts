// Headless Chromium through the emulator's own pages: register a tool in the iframe page, activate it as a
// Moodle admin, then click a launch link. Skips when Debian's Chromium is not installed.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startFakeTool, type FakeTool } from './fake-tool';
import { DEMO, startPlatform, type Platform } from './index';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP browser tests: no Chromium at ${CHROMIUM_PATH}`);

(haveChromium ? describe : describe.skip)('emulator in a browser', () => {
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

    // The same launch inside the LMS-like page's iframe (same site here: both on 127.0.0.1).
    await page.goto(platform.framedLaunchUrl({ clientId: toolRecord.clientId, user: { id: '4', name: 'Sam Student' }, roles: 'Learner', context: DEMO.context }));
    const frameBody = page.frameLocator('#contentframe').locator('body');
    await frameBody.filter({ hasText: '"ok":true' }).waitFor({ timeout: 10_000 });
    expect(JSON.parse((await frameBody.textContent()) ?? '{}')).toMatchObject({ ok: true, sub: '4' });
  });

  it('reproduces cookie loss when the LMS and the tool are cross-site, as in production', async () => {
    const crossSite = await startPlatform({ profile: 'canvas', hostname: 'localhost' });
    try {
      const added = crossSite.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks` });
      tool.platform = { issuer: crossSite.issuer, clientId: added.clientId, deploymentIds: [added.deploymentId], authUrl: crossSite.endpoints.auth, tokenUrl: crossSite.endpoints.token, jwksUrl: crossSite.endpoints.jwks };
      const options = { clientId: added.clientId, user: { id: '4', name: 'Sam Student' }, roles: 'Learner' as const, context: DEMO.context };
      const page = await browser.newPage();
      await page.goto(crossSite.framedLaunchUrl(options));
      // The fake tool's SameSite=Lax state cookie is not set inside a cross-site frame...
      const frameBody = page.frameLocator('#contentframe').locator('body');
      await frameBody.filter({ hasText: '"error"' }).waitFor({ timeout: 10_000 });
      expect(JSON.parse((await frameBody.textContent()) ?? '{}')).toEqual({ error: 'state_mismatch' });
      // ...nor sent with the cross-site form_post of a top-level launch: tools need SameSite=None; Secure.
      await page.goto(crossSite.launchUrl(options));
      await page.locator('body', { hasText: '"error"' }).waitFor({ timeout: 10_000 });
      expect(JSON.parse((await page.textContent('body')) ?? '{}')).toEqual({ error: 'state_mismatch' });
    } finally {
      await crossSite.close();
    }
  });
});
