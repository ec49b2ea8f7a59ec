// The badge builder in a real browser: axe-core on the tier form, on the form with errors, on a
// tiered badge's page, its edit page and the learner page; Enter saves (never "Remove"); the
// progressive-enhancement script adds and removes rows without a round trip, under the real CSP.
// Skips without Debian's Chromium.
import { existsSync } from 'node:fs';
import express from 'express';
import { sql } from 'kysely';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { awardBadge, badgesDepsFor } from '../../src/badges';
import { enroll, upsertAssignment, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { LtiSessions } from '../../src/lti/session';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { startTestApp, type RunningApp } from '../support/app-server';
import { accessibilityViolations } from '../support/axe';
import type { TestContext } from '../support/context';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP badge builder browser tests: no Chromium at ${CHROMIUM_PATH}`);

jest.setTimeout(60_000);

(haveChromium ? describe : describe.skip)('badge builder in a browser', () => {
  let ctx: TestContext;
  let app: RunningApp;
  let browser: Browser;
  let origin: string;
  let courseId: string;
  const cookies: Record<'teacher' | 'learner', { name: string; value: string }> = {} as never;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    ({ ctx, base: origin } = app);
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://moodle.a11y.edu', clientId: 'a11y', name: 'Moodle', lms: 'moodle', authEndpoint: 'https://moodle.a11y.edu/auth', tokenEndpoint: 'https://moodle.a11y.edu/token', jwksUrl: 'https://moodle.a11y.edu/certs' });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    courseId = (await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx-a11y', title: 'Statistics' })).id;
    const quiz = await upsertAssignment(db, { courseId, sourceKey: 'api:quiz-2', name: 'Quiz 2', pointsPossible: 100 });
    await upsertAssignment(db, { courseId, sourceKey: 'api:quiz-3', name: 'Quiz 3', pointsPossible: 20 });
    const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
    for (const [key, role] of [['teacher', 'instructor'], ['learner', 'learner']] as const) {
      const person = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: key, name: key, email: `${key}@a11y.edu` });
      await enroll(db, { courseId, learnerId: person.id, roles: [`http://purl.imsglobal.org/vocab/lis/v2/membership#${role === 'instructor' ? 'Instructor' : 'Learner'}`], source: 'launch' });
      if (role === 'learner') await sql`insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at) values (${courseId}, ${person.id}, ${quiz.id}, 72, 100, now())`.execute(db);
      const minter = express().get('/mint', async (_req, res) => {
        await sessions.issue(res, { platformId: platform.id, courseId, learnerId: person.id, roles: [role] });
        res.end();
      });
      const [name, value] = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!.split(/=(.*)/s);
      cookies[key] = { name: name!, value: value! };
    }
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
    await browser?.close();
    await app?.close();
  });

  /** `bypassCSP` only where axe is injected; the script checks run under the page's real CSP. */
  async function open(path: string, as: 'teacher' | 'learner', options: { bypassCSP: boolean }): Promise<Page> {
    const context = await browser.newContext({ bypassCSP: options.bypassCSP });
    contexts.push(context);
    await context.addCookies([{ ...cookies[as], url: origin }]);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    page.on('console', (m) => { if (m.type() === 'error' && !/favicon/.test(m.location().url)) consoleErrors.push(m.text()); });
    const response = await page.goto(`${origin}/lti/courses/${courseId}${path}`);
    expect(response?.status()).toBe(200);
    return page;
  }

  /** TIERS_SCREENSHOT=/tmp/prefix saves full-page screenshots for a reviewer; off by default. */
  async function shot(page: Page, name: string): Promise<void> {
    if (process.env.TIERS_SCREENSHOT) await page.screenshot({ path: `${process.env.TIERS_SCREENSHOT}-${name}.png`, fullPage: true });
  }

  async function fillTiers(page: Page, tiers: Array<[string, string]>): Promise<void> {
    await page.fill('#name', 'Quiz mastery');
    await page.fill('#description', 'Mastery of Quiz 2.');
    await page.fill('#criteria', 'Score well on Quiz 2.');
    await page.selectOption('#ruleAssignment0', { label: 'Quiz 2 (100 points)' });
    await page.evaluate("document.getElementById('tiers').open = true");
    for (const [i, [name, min]] of tiers.entries()) {
      await page.fill(`#tierName${i}`, name);
      await page.fill(`#tierMin${i}`, min);
    }
  }

  it('the tier form and the form with errors have no WCAG 2.1 AA axe violations; Enter saves', async () => {
    const page = await open('/instructor', 'teacher', { bypassCSP: true });
    await page.locator('#tiers > summary').click();
    expect(await accessibilityViolations(page)).toEqual([]);
    await fillTiers(page, [['Bronze', '60'], ['Silver', '50'], ['Silver', '90']]);
    // Enter in a text field submits with the form's first submit button: it must be "save", not a "Remove".
    await page.locator('#name').press('Enter');
    await page.waitForLoadState('load');
    expect(await page.title()).toMatch(/^Fix 2 problem\(s\)/);
    expect(await page.locator('#tierMin1').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#tierName2-error').textContent()).toBe('Each tier needs a different name.');
    expect(await page.locator('#tiers').getAttribute('open')).not.toBeNull();
    await shot(page, 'form-errors');
    expect(await page.locator('#ruleAssignment0').inputValue()).not.toBe('');
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it('adds and removes rows in the page with the script, under the real CSP', async () => {
    consoleErrors.length = 0; // the previous test's 422 answer is logged by the browser as an error
    const page = await open('/instructor', 'teacher', { bypassCSP: false });
    // One row has no remove button, so the first "Add condition" goes to the server (which adds both).
    await page.getByRole('button', { name: 'Add condition' }).click();
    await page.waitForSelector('#ruleAssignment1');
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('ruleAssignment1');
    const url = page.url();
    await page.getByRole('button', { name: 'Add condition' }).click();
    expect(await page.locator('#ruleAssignment2').count()).toBe(1);
    expect(await page.locator('[data-rows="condition"] > fieldset[data-row="2"] > legend').textContent()).toBe('Condition 3');
    expect(page.url()).toBe(url);
    await page.getByRole('button', { name: 'Remove condition 1' }).click();
    expect(await page.locator('[data-rows="condition"] > [data-row]').count()).toBe(2);
    expect(await page.locator('[data-rows="condition"] legend').allTextContents()).toEqual(['Condition 1', 'Condition 2']);
    // What the script built posts like the server's rows: a tiered badge with two assignments.
    await page.selectOption('#ruleAssignment1', { label: 'Quiz 2 (100 points)' });
    await page.selectOption('#ruleAssignment2', { label: 'Quiz 3 (20 points)' });
    await page.fill('#name', 'Quiz pair');
    await page.fill('#description', 'Both quizzes.');
    await page.fill('#criteria', 'Both quizzes.');
    await page.locator('#tiers > summary').click();
    await page.fill('#tierName0', 'Bronze');
    await page.fill('#tierMin0', '50');
    await page.fill('#tierName1', 'Gold');
    await page.fill('#tierMin1', '80');
    await page.getByRole('button', { name: 'Save draft and see the dry run' }).click();
    await page.waitForURL(/\/badges\/[0-9a-f-]{36}\?done=created$/);
    const { rows } = await sql<{ rule: unknown }>`select a.rule from achievements a join badge_tiers t on t.achievement_id = a.id where t.tier_name = 'Gold'`.execute(ctx.database.db);
    expect(rows[0]!.rule).toMatchObject({ kind: 'allOf', rules: [{ kind: 'score', minPercent: 80 }, { kind: 'score', minPercent: 80 }] });
    expect(consoleErrors).toEqual([]);
  });

  it('a tiered badge page, its edit page and the learner page have no WCAG 2.1 AA axe violations', async () => {
    const page = await open('/instructor', 'teacher', { bypassCSP: true });
    await fillTiers(page, [['Bronze', '60'], ['Silver', '75'], ['Gold', '90']]);
    await page.getByRole('button', { name: 'Save draft and see the dry run' }).click();
    await page.waitForURL(/\/badges\/[0-9a-f-]{36}\?done=created$/);
    expect(await page.locator('#tiers-title').textContent()).toBe('Tiers of Quiz mastery');
    await shot(page, 'badge');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: /^Publish all 3 draft tier\(s\)/ }).click();
    await page.waitForURL(/\?done=published$/);
    await page.getByRole('link', { name: 'Edit badge' }).click();
    expect(await page.locator('#tierName2').inputValue()).toBe('Gold');
    await shot(page, 'edit');
    expect(await accessibilityViolations(page)).toEqual([]);
    // The learner's 72% passes Bronze (awarded here directly: this suite runs no workers) but not Silver.
    const bronze = (await sql<{ id: string }>`select id from achievements where name = 'Quiz mastery: Bronze'`.execute(ctx.database.db)).rows[0]!;
    const learnerRow = (await sql<{ id: string }>`select id from learners where lti_user_id = 'learner'`.execute(ctx.database.db)).rows[0]!;
    await awardBadge(badgesDepsFor(ctx), { achievementId: bronze.id, learnerId: learnerRow.id, score: 72, evidence: [{ name: 'Quiz 2' }], actor: 'test', source: 'rule' });
    const learner = await open('/learner', 'learner', { bypassCSP: true });
    expect(await learner.getByText('You hold Bronze. Next tier: Silver.').count()).toBe(1);
    expect(await learner.getByText('Quiz 2: 72% of the 75% required for Silver').count()).toBe(1);
    expect(await accessibilityViolations(learner)).toEqual([]);
    await shot(learner, 'learner');
    const course = await open('/instructor', 'teacher', { bypassCSP: false });
    await shot(course, 'course');
  });
});
