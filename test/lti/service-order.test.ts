// Issue 13: an Assignment and Grade Services poll that ran first after start-up poisoned the
// per-platform service-token cache (its LTI store was used before setup), and every later poll and
// roster sync failed with PROVIDER_NOT_DEPLOYED until a restart. This runs that exact order.
import { existsSync } from 'node:fs';
import { sql } from 'kysely';
import { findPlatform } from '../../src/courses';
import { pollAgsJob } from '../../src/events';
import { clearServiceTokenCaches, PgLtiStore, rosterSyncJob, serviceClients, SCOPES } from '../../src/lti';
import { browse, CookieJar, startPlatform, type Platform } from '../emulator';
import { CHROMIUM_PATH, launchBrowser } from '../support/browser';
import { accessibilityViolations } from '../support/axe';
import { startLaurel, type RunningLaurel } from './laurel';

const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };
const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com' };

describe('LTI service calls after start-up (Moodle emulator)', () => {
  let laurel: RunningLaurel;
  let moodle: Platform;
  let clientId: string;
  let courseId: string;
  let jar: CookieJar;

  beforeAll(async () => {
    laurel = await startLaurel();
    moodle = await startPlatform({ profile: 'moodle' });
    clientId = (await moodle.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    moodle.activateTool(clientId);
    jar = new CookieJar();
    const page = await browse(moodle.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, resourceLink: { id: '10', title: 'Badges' } }), { jar });
    courseId = /courses\/([0-9a-f-]{36})\/instructor/.exec(page.url)![1]!;
    moodle.nrps.setMembers(course.id, [{ ...teacher, roles: 'Instructor' }, { id: '4', name: 'Sam Student', email: 'student1@example.com', roles: 'Learner' }, { id: '5', name: 'Ria Student', email: 'student2@example.com', roles: 'Learner' }], course);
    const item = moodle.ags.createLineItem({ contextId: course.id, clientId, label: 'Quiz 1', scoreMaximum: 10 });
    moodle.ags.setResult(item.id, { userId: moodle.ltiUserId({ id: '4' }), scoreGiven: 8, scoreMaximum: 10 });
  });
  afterAll(async () => {
    await moodle?.close();
    await laurel?.close();
  });

  it('polls AGS first after start, then syncs the roster (job and button): all succeed', async () => {
    // A fresh process: no service token cached for any platform.
    clearServiceTokenCaches();
    const run = { ctx: laurel.ctx, jobId: 'order-test', attempt: 1, progress: async () => undefined };
    const polled = (await pollAgsJob.perform({ courseId }, run)) as { lineItems: number; results: number; stored: number };
    // Moodle lists the launch's own activity item too; it has no results yet.
    expect(polled).toMatchObject({ lineItems: 2, results: 1, stored: 1 });

    const synced = (await rosterSyncJob.perform({ courseId }, run)) as { members: number };
    expect(synced.members).toBe(3);
    const button = await fetch(`${laurel.url}/lti/courses/${courseId}/roster/sync`, { method: 'POST', headers: { cookie: jar.header(laurel.url)!, origin: laurel.url }, redirect: 'manual' });
    expect(button.status).toBe(303);
    // And a second poll after them still works (nothing poisoned in between).
    await expect(pollAgsJob.perform({ courseId }, run)).resolves.toMatchObject({ lineItems: 2, results: 1, stored: 0 });
    const { rows } = await sql<{ n: string }>`select count(*) as n from enrollments where course_id = ${courseId} and status = 'active'`.execute(laurel.ctx.database.db);
    expect(Number(rows[0]!.n)).toBe(3);
    // Every call reached Moodle's token endpoint or services with success.
    expect(moodle.requests.filter((r) => r.status >= 400)).toEqual([]);
  });

  it('a caller whose key store cannot be read fails alone and leaves the cache usable', async () => {
    clearServiceTokenCaches();
    const db = laurel.ctx.database.db;
    const platform = (await findPlatform(db, { issuer: moodle.issuer, clientId }))!;
    const deps = { keyEncryptionKey: laurel.ctx.config.KEY_ENCRYPTION_KEY, userAgent: 'Laurel/test' };
    // The old order: a store used before setup() first...
    const early = serviceClients({ ...deps, store: new PgLtiStore(db) }, platform);
    await expect(early.tokens.token([SCOPES.lineItem])).rejects.toThrow('PROVIDER_NOT_DEPLOYED');
    // ...then a caller with a ready store gets its token.
    const ready = new PgLtiStore(db);
    await ready.setup();
    const later = serviceClients({ ...deps, store: ready }, platform);
    await expect(later.tokens.token([SCOPES.lineItem])).resolves.toMatch(/^[0-9a-f]{32}$/);
  });

  (existsSync(CHROMIUM_PATH) ? it : it.skip)('shows the "Sync the roster" button on the instructor page, which syncs in the browser', async () => {
    const browser = await launchBrowser();
    try {
      // bypassCSP: axe-core is injected as an inline script, which Laurel's CSP rightly refuses.
      const page = await (await browser.newContext({ bypassCSP: true })).newPage();
      await page.goto(moodle.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, resourceLink: { id: '10', title: 'Badges' } }));
      await page.waitForURL(/\/lti\/courses\/[0-9a-f-]{36}\/instructor$/, { timeout: 15_000 });
      const button = page.getByRole('button', { name: 'Sync the roster' });
      expect(await button.count()).toBe(1);
      expect(await accessibilityViolations(page)).toEqual([]);
      await button.click();
      await page.waitForURL(/done=roster-synced/);
      expect(await page.getByText('Roster synced.').count()).toBe(1);
      expect(await page.locator('[data-roster-count]').getAttribute('data-roster-count')).toBe('3');
    } finally {
      await browser.close();
    }
  }, 60_000);
});
