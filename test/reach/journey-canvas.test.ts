// Canvas placements through the Canvas emulator, in a real browser: Laurel's Dynamic Registration offers
// course navigation ("Badges") and account navigation ("My badges"); the emulator launches from each
// placement with its own custom parameters; "My badges" opens straight to the person's badges across the
// institution's courses (axe-checked), and its session opens nothing else. Skips without Chromium.
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { sql } from 'kysely';
import request from 'supertest';
import { awardBadge, badgesDepsFor, createAchievement, issueCredentialJob } from '../../src/badges';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { jobs } from '../../src/app';
import { signLink } from '../../src/reach';
import { browse, startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { accessibilityViolations } from '../support/axe';
import { eventually } from '../ui/support';

const haveChromium = existsSync(CHROMIUM_PATH);
if (!haveChromium) console.warn(`SKIP Canvas placements journey: no Chromium at ${CHROMIUM_PATH}`);

const biology = { id: '2', label: 'BIO101', title: 'Biology 101' };
const chemistry = { id: '3', label: 'CHEM101', title: 'Chemistry 101' };
const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const ada = { id: '5', name: 'Ada Early', email: 'ada@example.com' };

describe('Canvas placements: course navigation and "My badges"', () => {
  let laurel: RunningLaurel;
  let canvas: Platform;
  let browser: Browser | undefined;
  let clientId: string;
  let workers: WorkerHost;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    [canvas, browser] = await Promise.all([startPlatform({ profile: 'canvas' }), haveChromium ? launchBrowser() : Promise.resolve(undefined)]);
    laurel = await startLaurel({ FRAME_ANCESTORS: `'self' ${canvas.url}` });
    clientId = (await canvas.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    workers = startWorkers(laurel.ctx, { jobs, concurrency: 2 });
  });
  afterAll(async () => {
    await workers?.close(5000);
    await Promise.all([browser?.close(), canvas?.close()]);
    await laurel?.close();
  });

  const launch = (user: typeof sam, placement: 'course_navigation' | 'account_navigation', context = biology) =>
    canvas.launchUrl({ clientId, user, roles: 'Learner', context, placement, resourceLink: { id: placement === 'account_navigation' ? 'acct-1' : `nav-${context.id}`, title: placement } });

  it('the registration Canvas received offers both placements, each launching to its page', () => {
    const tool = canvas.tools().find((t) => t.clientId === clientId)!;
    const messages = (tool.registration!['https://purl.imsglobal.org/spec/lti-tool-configuration'] as { messages: Array<Record<string, unknown>> }).messages;
    expect(messages).toEqual(expect.arrayContaining([
      expect.objectContaining({ type: 'LtiResourceLinkRequest', label: 'Badges', placements: ['course_navigation'] }),
      expect.objectContaining({ type: 'LtiResourceLinkRequest', label: 'My badges', placements: ['account_navigation'] }),
    ]));
    expect(tool.placements).toMatchObject({
      course_navigation: { label: 'Badges', customParameters: { laurel_target: 'course' } },
      account_navigation: { label: 'My badges', customParameters: { laurel_target: 'my-badges' } },
    });
  });

  it('course navigation opens the course page; account navigation opens every badge of the person', async () => {
    // Sam and Ada open Laurel from two courses' navigation (Laurel learns who they are).
    for (const context of [biology, chemistry]) {
      const page = await browse(launch(sam, 'course_navigation', context));
      expect(page.status).toBe(200);
      expect(page.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/learner$/);
    }
    expect((await browse(launch(ada, 'course_navigation'))).status).toBe(200);
    const db = laurel.ctx.database.db;
    const deps = badgesDepsFor(laurel.ctx);
    const learnerOf = async (email: string) => (await sql<{ id: string }>`select id from learners where email = ${email}`.execute(db)).rows[0]!.id;
    const courseOf = async (title: string) => (await sql<{ id: string }>`select id from courses where title = ${title}`.execute(db)).rows[0]!.id;
    const give = async (courseTitle: string, email: string, name: string) => {
      const a = await createAchievement(deps, { courseId: await courseOf(courseTitle), name, description: `${name}.`, criteriaNarrative: 'Done.', status: 'published', actor: 'test' });
      const { award } = await awardBadge(deps, { achievementId: a.id, learnerId: await learnerOf(email), actor: 'test', source: 'manual' });
      await laurel.ctx.queues.enqueue(issueCredentialJob, { awardId: award.id }, { jobId: award.id });
      return award.id;
    };
    const cellAward = await give(biology.title, sam.email, 'Cell Explorer');
    await give(chemistry.title, sam.email, 'Titration Pro');
    await give(biology.title, ada.email, 'Ada only');
    await eventually(async () => (await sql<{ n: number }>`select count(*)::int as n from awards where credential_id is null`.execute(db)).rows[0]!.n === 0, 'the credentials', 30_000);

    // Canvas gradebook: course navigation names no column, so Laurel made its own and posted Sam's share.
    const score = await eventually(async () => {
      const column = canvas.ags.lineItems(biology.id, clientId).find((i) => i.label === 'Badges (Laurel)');
      return column && canvas.ags.scoresFor(column.id).find((r) => r.userId === canvas.ltiUserId(sam) && r.comment?.includes('Cell Explorer'));
    }, 'Sam\'s Canvas score', 30_000);
    const credential = (await sql<{ credential_id: string }>`select credential_id from awards where id = ${cellAward}`.execute(db)).rows[0]!.credential_id;
    expect(score).toMatchObject({ scoreGiven: 1, scoreMaximum: 2, comment: `Badges from Laurel (1 of 2):\n- Cell Explorer: ${laurel.url}/credentials/${credential}` });

    // Without a browser the HTTP journey still proves the launch lands on "My badges".
    const plain = await browse(launch(sam, 'account_navigation'));
    expect(plain.status).toBe(200);
    expect(new URL(plain.url).pathname).toBe('/lti/me/badges');
    expect(plain.body).toContain('Cell Explorer');
    expect(plain.body).toContain('Titration Pro');
    expect(plain.body).not.toContain('Ada only');
    if (!browser) return;

    const context = await browser.newContext({ bypassCSP: true });
    const page = await context.newPage();
    await page.goto(launch(sam, 'account_navigation'));
    await page.waitForURL(/\/lti\/me\/badges$/);
    expect(await page.locator('h1').textContent()).toBe('My badges');
    const cards = page.locator('.card h2');
    expect((await cards.allTextContents()).sort()).toEqual(['Cell Explorer', 'Titration Pro']);
    expect(await page.locator('.card', { hasText: 'Titration Pro' }).locator('dd').first().textContent()).toBe(chemistry.title);
    expect(await accessibilityViolations(page)).toEqual([]);
    // The unsubscribe page every email links to is accessible too.
    const token = signLink(laurel.ctx.config.SESSION_SECRET, 'unsubscribe', await learnerOf(sam.email));
    await page.goto(`${laurel.url}/reach/unsubscribe/${token}`);
    expect(await page.locator('h1').textContent()).toBe('Badge emails from Laurel');
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Stop badge emails' }).click();
    expect(await page.locator('h1').textContent()).toBe('You will get no more badge emails');
    // The person session opens only "My badges": not a course page.
    const coursePage = await page.goto(`${laurel.url}/lti/courses/${await courseOf(biology.title)}/learner`);
    expect(coursePage?.status()).toBe(401);
    await context.close();
  });

  it('refuses "My badges" without a person session, and with a course session or a forged cookie', async () => {
    expect((await request(laurel.url).get('/lti/me/badges').set('Accept', 'text/html')).status).toBe(401);
    expect((await request(laurel.url).get('/lti/me/badges').set('Cookie', 'laurel_lti_me=eyJhbGciOiJIUzI1NiJ9.eyJwbHQiOiJ4Iiwic3ViIjoieCJ9.AAAA')).status).toBe(401);
    const course = await browse(launch(sam, 'course_navigation'));
    const courseCookie = course.jar.header(`${laurel.url}/lti/courses/x`);
    expect(courseCookie).toBeTruthy();
    expect((await request(laurel.url).get('/lti/me/badges').set('Cookie', courseCookie!)).status).toBe(401);
  });
});
