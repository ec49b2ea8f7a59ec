// Analytics end to end over HTTP: public page views, downloads, the LinkedIn redirect, the verify API
// and status-list fetches are counted, then read back from the API and the instructor pages.
import { sql } from 'kysely';
import request from 'supertest';
import type { Express } from 'express';
import { analyticsRecorder, AnalyticsRecorder, type CourseReport } from '../../src/analytics';
import { createManualCourse } from '../../src/courses';
import { createDatabase } from '../../src/db';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { analyticsFixture, BROWSER_UA, type AnalyticsFixture } from './support';

jest.setTimeout(60_000);

let ctx: TestContext;
let app: Express;
let fx: AnalyticsFixture;
let adminToken: string;
let metricsToken: string;
let eventsToken: string;

beforeAll(async () => {
  ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  app = await createApp(ctx);
  fx = await analyticsFixture(ctx, 'http');
  adminToken = (await createToken(ctx.database.db, { name: 'admin', scopes: ['admin'] })).token;
  metricsToken = (await createToken(ctx.database.db, { name: 'metrics', scopes: ['metrics'] })).token;
  eventsToken = (await createToken(ctx.database.db, { name: 'events', scopes: ['events'] })).token;
});
afterAll(() => ctx.close());

const browser = (path: string) => request(app).get(path).set('User-Agent', BROWSER_UA);
const report = async (query = '', token = adminToken) => {
  await analyticsRecorder(ctx).flush();
  return request(app).get(`/api/v1/courses/${fx.courseId}/analytics${query}`).set('Authorization', `Bearer ${token}`);
};
const badgeOf = (body: CourseReport, id: string) => body.achievements.find((a) => a.id === id)!;

describe('counting what happens to issued badges', () => {
  it('counts views, downloads, LinkedIn clicks, verifications and status-list fetches, and nothing else', async () => {
    const [pub, pub2, priv] = fx.credentials as [string, string, string];
    // Views: two browsers count; a crawler, a HEAD, the instructor's own preview and a JSON fetch by Accept do not.
    for (const id of [pub, pub2]) expect((await browser(`/credentials/${id}`).set('Accept', 'text/html')).status).toBe(200);
    expect((await request(app).get(`/credentials/${pub}`).set('Accept', 'text/html').set('User-Agent', 'Googlebot/2.1')).status).toBe(200);
    expect((await browser(`/credentials/${pub}`).set('Accept', 'text/html').set('Cookie', `${fx.cookie.name}=${fx.cookie.value}`)).status).toBe(200);
    expect((await browser(`/credentials/${pub}`).set('Accept', 'application/ld+json')).status).toBe(200);
    // The private credential's page is a view too; its downloads are refused and not counted.
    expect((await browser(`/credentials/${priv}`).set('Accept', 'text/html')).status).toBe(200);
    expect((await browser(`/credentials/${priv}/badge.png`)).status).toBe(403);

    // Downloads: PNG, SVG, JSON and JWT (the holder's own downloads count, so a session cookie does not matter).
    for (const path of ['/badge.png', '/badge.svg', '?format=json', '?format=jwt']) {
      expect((await browser(`/credentials/${pub}${path}`).set('Cookie', `${fx.cookie.name}=${fx.cookie.value}`)).status).toBe(200);
    }

    // LinkedIn: counted, then sent to LinkedIn's add-to-profile URL built from the stored credential.
    const linkedIn = await browser(`/credentials/${pub}/linkedin`);
    expect(linkedIn.status).toBe(302);
    const target = new URL(linkedIn.headers.location!);
    expect(target.origin + target.pathname).toBe('https://www.linkedin.com/profile/add');
    expect(Object.fromEntries(target.searchParams)).toMatchObject({ name: 'Reef Explorer', certId: pub, certUrl: `https://laurel.example.edu/credentials/${pub}` });
    expect((await browser(`/credentials/${priv}/linkedin`)).status).toBe(403);
    expect((await browser('/credentials/not-a-uuid/linkedin')).status).toBe(404);

    // Verify API: our signed credential counts (JSON and JWS); junk naming our id does not.
    const document = JSON.parse((await browser(`/credentials/${pub}?format=json`)).text) as Record<string, unknown>;
    const jws = (await browser(`/credentials/${pub}?format=jwt`)).text;
    const verify = (credential: unknown) => request(app).post('/api/v1/verify').send({ credential });
    expect((await verify(document)).body.verified).toBe(true);
    expect((await verify(jws)).body.verified).toBe(true);
    expect((await verify({ ...document, proof: [] })).body.verified).toBe(false);

    // Status list: a fetch and a conditional re-fetch (304) both count.
    const list = await request(app).get(`/status-lists/${fx.statusListId}`);
    expect(list.status).toBe(200);
    expect((await request(app).get(`/status-lists/${fx.statusListId}`).set('If-None-Match', list.headers.etag!)).status).toBe(304);

    const res = await report();
    expect(res.status).toBe(200);
    const body = res.body as CourseReport;
    // 2 downloads by ?format=json|jwt above for the verify inputs come on top of the 4 downloads.
    const expected = { issued: 3, notified: 0, opened: 0, viewed: 3, downloaded: 6, linkedin: 1, verified: 2, statusList: 2 };
    expect(body.totals).toEqual(expected);
    expect(body.allTime).toEqual(expected);
    expect(badgeOf(body, fx.achievementId).totals).toEqual({ ...expected, statusList: 0 });
    expect(badgeOf(body, fx.otherAchievementId).totals).toEqual({ issued: 0, notified: 0, opened: 0, viewed: 0, downloaded: 0, linkedin: 0, verified: 0, statusList: 0 });
    expect(body.days).toBe(30);
    expect(body.daily).toHaveLength(30);
    expect(body.daily[29]).toEqual({ day: body.to, ...expected });
    expect(body.statusLists).toEqual([{ id: fx.statusListId, recent: 2, allTime: 2 }]);
  });

  it('accumulates on one row per badge, day and kind', async () => {
    await Promise.all(Array.from({ length: 20 }, () => browser(`/credentials/${fx.credentials[0]}/badge.svg`)));
    await analyticsRecorder(ctx).flush();
    const { rows } = await sql<{ n: string; count: string }>`
      select count(*)::text as n, sum(count)::text as count from analytics_daily where achievement_id = ${fx.achievementId} and kind = 'downloaded'`.execute(ctx.database.db);
    expect(rows[0]).toEqual({ n: '1', count: '26' });
  });

  it('never throws when counts cannot be written: logs, keeps them for the next flush, drops vanished badges', async () => {
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as unknown as TestContext['logger'];
    const down = createDatabase({ url: 'postgres://laurel@127.0.0.1:1/laurel' });
    try {
      const recorder = new AnalyticsRecorder({ db: down.db, logger });
      expect(() => recorder.count({ courseId: fx.courseId, achievementId: fx.achievementId, kind: 'viewed' })).not.toThrow();
      await recorder.flush();
      await recorder.flush();
      expect(warnings).toHaveLength(2); // the count was kept and tried again
      await recorder.close(); // a last attempt
      expect(warnings).toHaveLength(3);
    } finally {
      await down.close();
    }
    // A badge that no longer exists: its count is dropped by the write, not an error for the batch.
    const live = new AnalyticsRecorder({ db: ctx.database.db, logger });
    live.count({ courseId: fx.courseId, achievementId: '00000000-0000-4000-8000-000000000000', kind: 'viewed' });
    live.count({ courseId: fx.courseId, achievementId: fx.otherAchievementId, kind: 'linkedin' });
    await live.close();
    expect(warnings).toHaveLength(3);
    const { rows } = await sql<{ kind: string; count: string }>`
      select kind, count::text from analytics_daily where course_id = ${fx.courseId} and achievement_id <> ${fx.achievementId}`.execute(ctx.database.db);
    expect(rows).toEqual([{ kind: 'linkedin', count: '1' }]);
    await sql`delete from analytics_daily where achievement_id = ${fx.otherAchievementId}`.execute(ctx.database.db);
  });
});

describe('GET /api/v1/courses/:courseId/analytics', () => {
  it('needs an admin or metrics token', async () => {
    expect((await request(app).get(`/api/v1/courses/${fx.courseId}/analytics`)).status).toBe(401);
    const forbidden = await report('', eventsToken);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
    expect((await report('', metricsToken)).status).toBe(200);
  });

  it('validates the window and the badge, and keeps courses apart', async () => {
    const bad = await report('?days=0');
    expect([400, 422]).toContain(bad.status);
    expect(bad.body.code).toBe('ERR_VALIDATION');
    const week = await report('?days=7');
    expect(week.body.daily).toHaveLength(7);
    const one = await report(`?achievementId=${fx.otherAchievementId}`);
    expect(one.body.achievements.map((a: { id: string }) => a.id)).toEqual([fx.otherAchievementId]);
    expect(one.body.totals.viewed).toBe(0);
    // Another course sees none of these numbers, and cannot name this course's badge.
    const other = await createManualCourse(ctx.database.db, { title: 'Other' });
    const elsewhere = await request(app).get(`/api/v1/courses/${other.id}/analytics`).set('Authorization', `Bearer ${adminToken}`);
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.allTime).toEqual({ issued: 0, notified: 0, opened: 0, viewed: 0, downloaded: 0, linkedin: 0, verified: 0, statusList: 0 });
    expect(elsewhere.body.achievements).toEqual([]);
    const foreign = await request(app).get(`/api/v1/courses/${other.id}/analytics?achievementId=${fx.achievementId}`).set('Authorization', `Bearer ${adminToken}`);
    expect(foreign.status).toBe(404);
    expect((await request(app).get('/api/v1/courses/00000000-0000-4000-8000-000000000000/analytics').set('Authorization', `Bearer ${adminToken}`)).status).toBe(404);
  });
});

describe('instructor pages', () => {
  const page = (path: string) => request(app).get(path).set('Cookie', `${fx.cookie.name}=${fx.cookie.value}`).set('Accept', 'text/html');

  it('show the course numbers with an accessible chart per kind and a per-badge table', async () => {
    await analyticsRecorder(ctx).flush();
    const res = await page(`/lti/courses/${fx.courseId}/instructor`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('<h2 id="analytics-title">Analytics</h2>');
    const labels = [...res.text.matchAll(/<svg class="an-chart" role="img" aria-label="([^"]+)"/g)].map((m) => m[1]);
    expect(labels).toHaveLength(8);
    expect(labels[0]).toMatch(/^Issued, 30 days to \d{4}-\d{2}-\d{2}: 3 in total/);
    expect(labels[7]).toMatch(/^Status-list fetches, 30 days to .*: 2 in total/);
    expect(res.text).toMatch(/<th scope="row"><a href="\/lti\/courses\/[^"]+\/instructor\/badges\/[^"]+">Reef Explorer<\/a><\/th><td>3<\/td><td>0<\/td><td>0<\/td><td>3<\/td><td>26<\/td><td>1<\/td><td>2<\/td><\/tr>/);
    // No inline style or script: the page's CSP forbids both.
    expect(res.text).not.toMatch(/<section class="panel an-section"[\s\S]*style=/);
  });

  it('show one badge without status lists', async () => {
    const res = await page(`/lti/courses/${fx.courseId}/instructor/badges/${fx.achievementId}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Analytics of this badge');
    const labels = [...res.text.matchAll(/role="img" aria-label="([^"]+)"/g)].map((m) => m[1]!);
    expect(labels.map((l) => l.split(',')[0])).toEqual(['Issued', 'Learners notified', 'Emails opened', 'Public page views', 'Downloads', 'LinkedIn clicks', 'Verifications (API)']);
    expect(labels[4]).toContain('26 in total');
  });
});

describe('the learner page', () => {
  it('links a public, valid badge to the counted LinkedIn redirect, and a private one straight to LinkedIn', async () => {
    const links = async (learnerId: string) => {
      const cookie = await fx.sessionFor(learnerId, 'learner');
      const res = await request(app).get(`/lti/courses/${fx.courseId}/learner`).set('Cookie', `${cookie.name}=${cookie.value}`).set('Accept', 'text/html');
      expect(res.status).toBe(200);
      return [...res.text.matchAll(/<a href="([^"]+)"[^>]*>Add to LinkedIn profile/g)].map((m) => m[1]!);
    };
    expect(await links(fx.learnerIds[0]!)).toEqual([`https://laurel.example.edu/credentials/${fx.credentials[0]}/linkedin`]);
    const [direct] = await links(fx.learnerIds[2]!);
    expect(direct).toMatch(/^https:\/\/www\.linkedin\.com\/profile\/add\?/);
  });
});
