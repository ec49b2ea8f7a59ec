// Email delivery on real workers and a real SMTP server: a refused send is retried and never blocks the
// credential; an opted-out learner gets nothing; the open pixel counts once. And the two switches over
// HTTP: the instructor's gradebook feedback, the learner's emails, each guarded by role and CSRF.
import { sql } from 'kysely';
import request from 'supertest';
import { analyticsRecorder } from '../../src/analytics';
import { awardBadge, badgesDepsFor, createAchievement, issueCredentialJob } from '../../src/badges';
import { enroll, upsertLtiLearner } from '../../src/courses';
import { reachJobs, setEmailOptOut, signLink } from '../../src/reach';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { subscriptions } from '../../src/app';
import { createAdminConsoleFixture, eventually, INSTRUCTOR, LEARNER, type AdminConsoleFixture } from '../ui/support';
import { startSmtp, type TestSmtp } from './smtp';

describe('reach email and switches', () => {
  let smtp: TestSmtp;
  let fx: AdminConsoleFixture;
  let workers: WorkerHost;
  jest.setTimeout(120_000);

  beforeAll(async () => {
    smtp = await startSmtp();
    fx = await createAdminConsoleFixture({ config: { SMTP_URL: smtp.url, BASE_URL: 'https://laurel.example' }, person: INSTRUCTOR, page: 'instructor' });
    workers = startWorkers(fx.ctx, { jobs: [issueCredentialJob, ...reachJobs, ...subscriptions.jobs()], concurrency: 2 });
  });
  afterAll(async () => {
    await workers?.close(5000);
    await fx?.close();
    await smtp?.close();
  });

  async function awardTo(email: string, name: string) {
    const db = fx.ctx.database.db;
    const learner = await upsertLtiLearner(db, { platformId: fx.platformId, ltiUserId: `sub-${email}`, email, name });
    await enroll(db, { courseId: fx.courseId, learnerId: learner.id, roles: ['Learner'], source: 'launch' });
    const deps = badgesDepsFor(fx.ctx);
    const achievement = await createAchievement(deps, { courseId: fx.courseId, name: `Badge for ${name}`, description: 'd', criteriaNarrative: 'c', status: 'published', actor: 't' });
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, actor: 't', source: 'manual' });
    await fx.ctx.queues.enqueue(issueCredentialJob, { awardId: award.id }, { jobId: award.id });
    return { award, learner, achievement };
  }

  it('a refused send is retried until the server accepts it; the credential never waits for it', async () => {
    smtp.failNext(1);
    const { award } = await awardTo('retry@example.com', 'Retry');
    const credential = await eventually(async () => (await sql<{ credential_id: string | null }>`select credential_id from awards where id = ${award.id}`.execute(fx.ctx.database.db)).rows[0]?.credential_id, 'the credential', 45_000);
    expect(credential).toBeTruthy();
    const mail = await eventually(async () => smtp.received.find((m) => (m.to as { text: string }).text === 'retry@example.com'), 'the retried email', 60_000);
    expect(mail.subject).toBe('You earned a badge: Badge for Retry');
    const row = (await sql<{ status: string; attempts: number }>`select status, attempts from reach_notifications where award_id = ${award.id} and channel = 'email'`.execute(fx.ctx.database.db)).rows[0];
    expect(row?.status).toBe('sent');
  });

  it('sends nothing to a learner who turned emails off; counts an opened email once', async () => {
    const db = fx.ctx.database.db;
    const optedOut = await upsertLtiLearner(db, { platformId: fx.platformId, ltiUserId: 'sub-quiet@example.com', email: 'quiet@example.com', name: 'Quiet' });
    await setEmailOptOut(db, { learnerId: optedOut.id, optOut: true });
    const quiet = await awardTo('quiet@example.com', 'Quiet');
    await eventually(async () => (await sql<{ status: string }>`select status from reach_notifications where award_id = ${quiet.award.id}`.execute(db)).rows[0]?.status === 'skipped', 'the skip');
    expect(smtp.received.filter((m) => (m.to as { text: string }).text === 'quiet@example.com')).toEqual([]);

    const loud = await awardTo('open@example.com', 'Opener');
    const mail = await eventually(async () => smtp.received.find((m) => (m.to as { text: string }).text === 'open@example.com'), 'the email', 30_000);
    const pixel = /src="https:\/\/laurel\.example(\/reach\/open\/[^"]+)"/.exec(String(mail.html))![1]!;
    expect(pixel).toBe(`/reach/open/${signLink(fx.ctx.config.SESSION_SECRET, 'open', loud.award.id)}.gif`);
    for (let i = 0; i < 3; i++) {
      const res = await request(fx.app).get(pixel);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/gif');
    }
    // A forged token answers the same pixel and counts nothing.
    expect((await request(fx.app).get(`/reach/open/${loud.award.id}.AAAAAAAAAAAAAAAAAAAAAAAA.gif`)).status).toBe(200);
    await analyticsRecorder(fx.ctx).flush();
    const counts = (await sql<{ kind: string; n: string }>`select kind, sum(count)::text as n from analytics_daily where achievement_id = ${loud.achievement.id} group by kind order by kind`.execute(db)).rows;
    expect(counts).toEqual([{ kind: 'notified', n: '1' }, { kind: 'opened', n: '1' }]);
  });

  it('the unsubscribe link shows a page on GET (changing nothing) and refuses a forged token', async () => {
    const learner = await upsertLtiLearner(fx.ctx.database.db, { platformId: fx.platformId, ltiUserId: 'sub-page', email: 'page@example.com' });
    const token = signLink(fx.ctx.config.SESSION_SECRET, 'unsubscribe', learner.id);
    const page = await request(fx.app).get(`/reach/unsubscribe/${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Stop badge emails');
    const prefs = await sql`select 1 from reach_learner_preferences where learner_id = ${learner.id}`.execute(fx.ctx.database.db);
    expect(prefs.rows).toEqual([]);
    const off = await request(fx.app).post(`/reach/unsubscribe/${token}`).type('form').send('email=off');
    expect(off.status).toBe(200);
    expect(off.text).toContain('You will get no more badge emails');
    expect((await request(fx.app).post(`/reach/unsubscribe/${learner.id}.AAAAAAAAAAAAAAAAAAAAAAAA`).type('form').send('List-Unsubscribe=One-Click')).status).toBe(404);
  });

  it('the instructor turns gradebook feedback off and on; learners and CSRF-less posts cannot', async () => {
    const { html, csrf } = await fx.openPage();
    expect(html).toContain('Turn gradebook feedback off');
    const post = (cookie: string, body: string) => request(fx.app).post(`${fx.pagePath}/reach`).set('Cookie', cookie).type('form').send(body);
    expect((await post(fx.cookie, 'gradebookFeedback=off')).status).toBe(403);
    const learnerCookie = await fx.signIn(LEARNER);
    expect((await post(learnerCookie, `_csrf=${encodeURIComponent(csrf)}&gradebookFeedback=off`)).status).toBe(403);
    const res = await post(fx.cookie, `_csrf=${encodeURIComponent(csrf)}&gradebookFeedback=off`);
    expect(res.status).toBe(303);
    const setting = (await sql<{ gradebook_feedback: boolean }>`select gradebook_feedback from reach_course_settings where course_id = ${fx.courseId}`.execute(fx.ctx.database.db)).rows[0];
    expect(setting?.gradebook_feedback).toBe(false);
    expect((await fx.openPage()).html).toContain('Turn gradebook feedback on');
  });

  it('the learner turns emails off from their page in one click', async () => {
    const cookie = await fx.signIn(LEARNER);
    const page = await request(fx.app).get(`/lti/courses/${fx.courseId}/learner`).set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Stop badge emails');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await request(fx.app).post(`/lti/courses/${fx.courseId}/learner/email`).set('Cookie', cookie).type('form').send(`_csrf=${encodeURIComponent(csrf)}&email=off`);
    expect(res.status).toBe(303);
    const after = await request(fx.app).get(`/lti/courses/${fx.courseId}/learner`).set('Cookie', cookie);
    expect(after.text).toContain('Email me when I earn a badge');
  });
});
