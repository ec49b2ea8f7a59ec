// axe-core on the admin console's event-source, issuer-logo, platform-activation and platform-removal states in a real
// browser (Moodle emulator launch): 0 WCAG 2.1 AA violations. Skips without Debian's Chromium.
import { ensureDefaultIssuer } from '../../src/credentials';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { upsertPlatform } from '../../src/courses';
import { addOperator } from '../../src/operators';
import { startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { accessibilityViolations } from '../support/axe';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP admin console axe checks: no Chromium at ${CHROMIUM_PATH}`);

const admin = { id: '2', name: 'Alex Admin', email: 'admin@example.com' };
const course = { id: '2', label: 'STAT200', title: 'Statistics 200' };

(haveChromium ? describe : describe.skip)('admin console sections are accessible (axe)', () => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let browser: Browser;
  let page: Page;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    [platform, browser] = await Promise.all([startPlatform({ profile: 'moodle' }), launchBrowser()]);
    laurel = await startLaurel();
    // The default issuer is made with the first credential or when an admin opens the console.
    await ensureDefaultIssuer(laurel.ctx.database.db, laurel.ctx.config);
    const clientId = (await platform.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    platform.activateTool(clientId);
    // Activation and the operator sections need an instance operator (issue 15): name the admin one.
    const registered = await laurel.ctx.database.db.selectFrom('platforms' as never).select('id' as never).where('client_id' as never, '=', clientId as never).executeTakeFirstOrThrow() as { id: string };
    await addOperator(laurel.ctx.database.db, { platformId: registered.id, ltiUserId: admin.id });
    const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
    page = await context.newPage();
    await page.goto(platform.launchUrl({ clientId, user: admin, roles: 'Administrator', context: course, resourceLink: { id: '10', title: 'Badges' } }));
    await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/admin$/);
  });
  afterAll(async () => {
    await Promise.all([browser?.close(), platform?.close()]);
    await laurel?.close();
  });

  it('event sources: a new Moodle source with its secret shown once, the plugin download, a Canvas source with the subscription form', async () => {
    await page.locator('#sources summary', { hasText: 'Add a Moodle source' }).click();
    await page.fill('#moodle-source-name', 'Statistics Moodle');
    await page.getByRole('button', { name: 'Create Moodle source' }).click();
    const secret = await page.locator('#new-source-secret').inputValue();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await accessibilityViolations(page)).toEqual([]);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#new-source').getByRole('link', { name: /Download the Moodle plugin/ }).click()]);
    expect(download.suggestedFilename()).toBe('moodle-local_laurel.zip');

    await page.locator('#sources summary', { hasText: 'Add a Canvas source' }).click();
    await page.fill('#canvas-source-jwksUrl', 'not a url');
    await page.getByRole('button', { name: 'Create Canvas source' }).click();
    expect(await page.locator('#canvas-source-jwksUrl-error').textContent()).toBe('Enter the JWKS address as a web address starting with https://.');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.fill('#canvas-source-jwksUrl', 'https://canvas.example/jwks');
    await page.getByRole('button', { name: 'Create Canvas source' }).click();
    await page.locator('summary', { hasText: 'Create Canvas Live Events subscription' }).first().click();
    expect(await accessibilityViolations(page)).toEqual([]);
    // The page that reloads later shows the source, never the secret.
    await page.goto(page.url().replace(/\/sources\/.*$/, ''));
    expect(await page.content()).not.toContain(secret);
  });

  it('confirmation pages (delete a source) and the issuer logo field message', async () => {
    await page.locator('.ui-source', { hasText: 'Statistics Moodle' }).getByRole('button', { name: /^Delete/ }).click();
    await page.getByRole('heading', { level: 2, name: 'Delete Statistics Moodle?' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('link', { name: 'Cancel' }).click();

    await page.locator('#keys summary', { hasText: 'Edit the issuer profile' }).first().click();
    await page.setInputFiles('#issuer-default-logoFile', { name: 'logo.png', mimeType: 'image/png', buffer: Buffer.alloc(700 * 1024, 1) });
    await page.getByRole('button', { name: 'Save issuer profile' }).first().click();
    expect(await page.locator('#issuer-default-logoFile-error').textContent()).toBe('The logo is 700 KB; the limit is 512 KB.');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('platform activation: a pending registration listed, its confirmation, the notice after', async () => {
    await upsertPlatform(laurel.ctx.database.db, { issuer: 'https://moodle2.example.edu', clientId: 'pending-1', name: 'Second Moodle', lms: 'moodle', authEndpoint: 'https://moodle2.example.edu/mod/lti/auth.php', tokenEndpoint: 'https://moodle2.example.edu/mod/lti/token.php', jwksUrl: 'https://moodle2.example.edu/mod/lti/certs.php', status: 'pending' });
    await page.goto(page.url().replace(/\/admin(\/.*|\?.*)?$/, '/admin'));
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.locator('#platforms').getByRole('button', { name: 'Activate Second Moodle' }).click();
    await page.getByRole('heading', { level: 2, name: 'Activate this LMS registration?' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Activate platform' }).click();
    await page.getByText('Platform activated. Laurel now accepts launches from it.').waitFor();
    expect(await page.locator('#platforms').getByRole('button', { name: 'Activate Second Moodle' }).count()).toBe(0);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('platform removal: the confirmation and the page after', async () => {
    await page.goto(page.url().replace(/\/admin(\/.*|\?.*)?$/, '/admin'));
    await page.locator('#platforms').getByRole('button', { name: /^Remove/ }).first().click();
    await page.getByRole('heading', { level: 2, name: 'Remove this LMS from Laurel?' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Remove platform' }).click();
    await page.getByRole('heading', { level: 1, name: 'Platform removed' }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
