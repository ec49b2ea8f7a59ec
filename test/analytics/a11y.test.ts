// The instructor pages with analytics charts in Debian's Chromium: axe-core finds no WCAG 2.1 AA
// violation (tables opened), and under the real CSP the charts' stylesheet applies and the
// browser reports no blocked inline style or script. Skips when Chromium is not installed.
import { existsSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { analyticsRecorder } from '../../src/analytics';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app-server';
import { accessibilityViolations } from '../support/axe';
import type { TestContext } from '../support/context';
import { analyticsFixture, BROWSER_UA, type AnalyticsFixture } from './support';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP analytics accessibility tests: no Chromium at ${CHROMIUM_PATH}`);

(haveChromium ? describe : describe.skip)('instructor pages with analytics charts', () => {
  let ctx: TestContext;
  let app: RunningApp;
  let browser: Browser;
  let base: string;
  let fx: AnalyticsFixture;

  beforeAll(async () => {
    app = await startTestApp();
    ({ ctx, base } = app);
    fx = await analyticsFixture(ctx, 'a11y');
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  async function instructorContext(options: { bypassCSP: boolean }): Promise<BrowserContext> {
    const context = await browser.newContext(options);
    await context.addCookies([{ name: fx.cookie.name, value: fx.cookie.value, url: base }]);
    return context;
  }

  it('has no WCAG 2.1 AA axe violations on the course and badge pages', async () => {
    // Some counts, so the charts have bars: a few visits by an anonymous browser.
    const visitor = await browser.newContext({ userAgent: BROWSER_UA });
    const page = await visitor.newPage();
    for (const path of ['', '/badge.svg', '?format=json']) await page.goto(`${base}/credentials/${fx.credentials[0]}${path}`);
    await visitor.close();
    await analyticsRecorder(ctx).flush();

    const context = await instructorContext({ bypassCSP: true }); // only so axe can be injected
    const found: Record<string, string[]> = {};
    for (const path of [`/lti/courses/${fx.courseId}/instructor`, `/lti/courses/${fx.courseId}/instructor/badges/${fx.achievementId}`]) {
      const tab = await context.newPage();
      expect((await tab.goto(`${base}${path}`))?.status()).toBe(200);
      // One bar (today) in each of the issued, viewed and downloaded charts.
      expect(await tab.locator('svg.an-chart rect[fill="#0b57d0"]').count()).toBe(3);
      await tab.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
      if (process.env.ANALYTICS_SCREENSHOT) await tab.screenshot({ path: `${process.env.ANALYTICS_SCREENSHOT}-${path.includes("badges") ? "badge" : "course"}.png`, fullPage: true });
      const violations = await accessibilityViolations(tab);
      if (violations.length) found[path] = violations;
    }
    await context.close();
    expect(found).toEqual({});
  }, 90_000);

  it('renders the charts under the real CSP without blocked inline code', async () => {
    const context = await instructorContext({ bypassCSP: false });
    const tab = await context.newPage();
    const blocked: string[] = [];
    tab.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) blocked.push(message.text());
    });
    expect((await tab.goto(`${base}/lti/courses/${fx.courseId}/instructor`))?.status()).toBe(200);
    // analytics.css applied: the chart list is a grid.
    expect(await tab.evaluate("getComputedStyle(document.querySelector('.an-grid')).display")).toBe('grid');
    expect(await tab.locator('svg.an-chart[role="img"]').count()).toBe(8);
    if (process.env.ANALYTICS_SCREENSHOT) await tab.screenshot({ path: process.env.ANALYTICS_SCREENSHOT, fullPage: true });
    await context.close();
    expect(blocked).toEqual([]);
  }, 60_000);
});
