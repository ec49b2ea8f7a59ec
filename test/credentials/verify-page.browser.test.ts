// The public verification page in Chromium, through the whole app (src/app/routes.ts wiring, real CSP):
// paste a credential, submit, read the verdict table; axe-core (WCAG 2.1 AA) on the form and the result.
// Skips when Chromium is not installed.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { buildOpenBadgeCredential, createSigner, ensureDefaultIssuer, issuerProfile } from '../../src/credentials';
import { createApp } from '../../src/app';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { createTestContext, type TestContext } from '../support/context';
import { sampleFacts } from './support/facts';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP verification page browser test: no Chromium at ${CHROMIUM_PATH}`);

interface AxeViolation { id: string; impact: string; help: string; nodes: { target: string[] }[] }

(haveChromium ? describe : describe.skip)('public verification page in a browser', () => {
  let ctx: TestContext;
  let server: Server;
  let browser: Browser;
  let base: string;
  const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

  beforeAll(async () => {
    ctx = await createTestContext();
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    server = createServer(await createApp(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
    await ctx?.close();
  });

  async function axe(page: Page): Promise<AxeViolation[]> {
    await page.addScriptTag({ content: axeSource });
    const result = (await page.evaluate(async () => (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } }).axe.run())) as { violations: AxeViolation[] };
    return result.violations;
  }

  it('pastes a credential, shows the verdict and what each check established; no axe violations', async () => {
    const issuer = await ensureDefaultIssuer(ctx.database.db, ctx.config);
    const signer = await createSigner(ctx.database.db, ctx.config);
    // No status entry: the verdict rests on signature, key, schema and dates alone.
    const { credential } = await signer.sign(issuer.id, buildOpenBadgeCredential(sampleFacts(issuerProfile(issuer, ctx.config), { validFrom: new Date(Date.now() - 60000) })));

    // bypassCSP only so the test can inject axe; the form posts under the page's real CSP (form-action 'self').
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    expect((await page.goto(`${base}/verify`))?.status()).toBe(200);
    expect(await axe(page)).toEqual([]);
    await page.getByLabel('Credential (JSON or compact JWS)').fill(JSON.stringify(credential));
    await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Verify' }).click()]);
    expect(await page.locator('p.verdict').textContent()).toMatch(/^Verified\./);
    const rows = await page.locator('table.checks tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent?.trim())));
    expect(rows).toEqual(expect.arrayContaining([
      ['Signature (Data Integrity proof)', 'passed (key: issuer-key)', expect.stringMatching(/signature by .* is valid/), 'nothing left open'],
      ['Revocation status', 'passed', expect.stringMatching(/no credentialStatus/), 'nothing left open'],
    ]));
    expect(await axe(page)).toEqual([]);
    await context.close();
  }, 90_000);
});
