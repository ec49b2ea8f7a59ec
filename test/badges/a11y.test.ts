// Accessibility of the public credential and achievement pages: axe-core in Debian's Chromium.
// Skips when Chromium is not installed.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential, revokeAward } from '../../src/badges';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { upsertIssuer } from '../../src/credentials';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app-server';
import { accessibilityViolations } from '../support/axe';
import type { TestContext } from '../support/context';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP accessibility tests: no Chromium at ${CHROMIUM_PATH}`);

(haveChromium ? describe : describe.skip)('public badge pages are accessible', () => {
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

  async function violations(path: string): Promise<string[]> {
    // bypassCSP only so the test can inject axe; the page itself runs under its real CSP otherwise.
    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    const response = await page.goto(`${base}${path}`);
    expect(response?.status()).toBe(200);
    const found = await accessibilityViolations(page);
    await context.close();
    return found;
  }

  it('has no axe violations on valid, revoked and private credential pages, the achievement page and the issuer page', async () => {
    const deps = badgesDepsFor(ctx);
    await upsertIssuer(ctx.database.db, ctx.config, { id: 'default', name: 'Example University', description: 'Badges for real skills.', url: 'https://example.edu', email: 'badges@example.edu' });
    const course = await createManualCourse(ctx.database.db, { title: 'Art history' });
    const achievement = await createAchievement(deps, {
      courseId: course.id, name: 'Baroque Expert', description: 'Recognises Baroque works.', criteriaNarrative: 'At least 75% on the Baroque quiz.',
      rule: { kind: 'score', assignmentId: 'baroque', minPercent: 75 }, alignments: [{ targetName: 'Art periods', targetUrl: 'https://skills.example/art' }], actor: 'test',
    });
    const ids: string[] = [];
    for (const [i, visibility] of (['public', 'public', 'private'] as const).entries()) {
      const learner = await upsertManualLearner(ctx.database.db, { email: `a11y${i}@example.edu`, name: `Learner ${i}` });
      const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 80 + i, evidence: [{ name: 'Baroque quiz' }], visibility, actor: 't', source: 'rule' });
      ids.push((await issueCredential(deps, { awardId: award.id })).credential.id);
      if (i === 1) await revokeAward(deps, { awardId: award.id, reason: 'test', actor: 't' });
    }
    const found: Record<string, string[]> = {};
    for (const path of [...ids.map((id) => `/credentials/${id}`), `/achievements/${achievement.id}`, '/issuers/default']) {
      const v = await violations(path);
      if (v.length) found[path] = v;
    }
    expect(found).toEqual({});
    // Generous: a browser, signing and live verification share two cores with the rest of the suite.
  }, 90_000);
});
