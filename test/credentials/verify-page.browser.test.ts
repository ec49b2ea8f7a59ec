// The public verification page in Chromium, through the whole app (src/app/routes.ts wiring, real CSP):
// paste a credential, submit, read the verdict table; axe-core (WCAG 2.1 AA) on the form and the result.
// Skips when Chromium is not installed.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { buildOpenBadgeCredential, createSigner, ensureDefaultIssuer, issuerProfile } from '../../src/credentials';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app-server';
import { accessibilityViolations } from '../support/axe';
import type { TestContext } from '../support/context';
import { sampleFacts } from './support/facts';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP verification page browser test: no Chromium at ${CHROMIUM_PATH}`);

(haveChromium ? describe : describe.skip)('public verification page in a browser', () => {
  let ctx: TestContext;
  let app: RunningApp;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    app = await startTestApp();
    ({ ctx, base } = app);
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('pastes a credential, shows the verdict and what each check established; no axe violations', async () => {
    const issuer = await ensureDefaultIssuer(ctx.database.db, ctx.config);
    const signer = await createSigner(ctx.database.db, ctx.config);
    // No status entry: the verdict rests on signature, key, schema and dates alone.
    const { credential } = await signer.sign(issuer.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, ctx.config), { validFrom: new Date(Date.now() - 60000) })));

    // bypassCSP only so the test can inject axe; the form posts under the page's real CSP (form-action 'self').
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    expect((await page.goto(`${base}/verify`))?.status()).toBe(200);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByLabel('Credential (JSON or compact JWS)').fill(JSON.stringify(credential));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Verify' }).click()]);
    expect(await page.locator('p.verdict').textContent()).toMatch(/^Verified\./);
    const rows = await page.locator('table.checks tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim())));
    expect(rows).toEqual(expect.arrayContaining([
      ['Signature (Data Integrity proof)', 'passed (key: issuer-key)', expect.stringMatching(/signature by .* is valid/), 'nothing left open'],
      ['Revocation status', 'passed', expect.stringMatching(/no credentialStatus/), 'nothing left open'],
    ]));
    expect(await accessibilityViolations(page)).toEqual([]);
    await context.close();
  }, 90_000);
});
