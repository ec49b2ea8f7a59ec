// The reach journey through the Moodle emulator, on the real app, workers, PostgreSQL and Redis and a real
// SMTP server in-process: a learner launches Laurel's activity (so Moodle told Laurel who they are and
// which column is Laurel's); a signed plugin delivery of a grade earns a badge; within seconds Moodle's
// gradebook holds Laurel's score (rescaled to the item's maximum) and a comment with the badge's link, and
// the SMTP server received one email with the right links; revoking the award updates the comment.
import { sql } from 'kysely';
import request from 'supertest';
import { createEventSource, signMoodleBody } from '../../src/events';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { jobs } from '../../src/app';
import { browse, startPlatform, type Platform } from '../emulator';
import { startLaurel, type RunningLaurel } from '../lti/laurel';
import { eventually } from '../ui/support';
import { startSmtp, type TestSmtp } from './smtp';

const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };
const sam = { id: '4', name: 'Sam Student', email: 'student1@example.com' };
const leo = { id: '6', name: 'Leo Lurker', email: 'leo@example.com' };

describe('reach journey (Moodle emulator)', () => {
  let moodle: Platform;
  let laurel: RunningLaurel;
  let smtp: TestSmtp;
  let workers: WorkerHost;
  let clientId: string;
  let token: string;
  jest.setTimeout(90_000);

  beforeAll(async () => {
    smtp = await startSmtp();
    moodle = await startPlatform({ profile: 'moodle' });
    laurel = await startLaurel({ SMTP_URL: smtp.url });
    workers = startWorkers(laurel.ctx, { jobs, concurrency: 4 });
    clientId = (await moodle.registerTool({ registrationUrl: laurel.registrationUrl })).clientId;
    moodle.activateTool(clientId);
    token = (await createToken(laurel.ctx.database.db, { name: 'reach-journey', scopes: ['admin'] })).token;
  });
  afterAll(async () => {
    if (process.env.REACH_DEBUG) console.log(JSON.stringify(laurel.logs.filter((l) => Number(l.level) >= 40).slice(0, 20), null, 1));
    await workers?.close(5000);
    await Promise.all([moodle?.close(), smtp?.close()]);
    await laurel?.close();
  });

  const api = (method: 'get' | 'post', path: string) => request(laurel.url)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  async function deliverGrade(sourceId: string, secret: string, user: { id: string }, finalgrade: number): Promise<void> {
    const body = JSON.stringify({
      schema: 'laurel.moodle.v1', id: `ug-${user.id}-${Date.now()}`, event: 'user_graded', time: Math.floor(Date.now() / 1000),
      site: { url: moodle.url }, course: { id: course.id }, user: { id: user.id },
      item: { id: '12', name: 'Cells quiz', grademax: 50 }, grade: { finalgrade, hidden: false, excluded: false },
    });
    const timestamp = Math.floor(Date.now() / 1000);
    const res = await request(laurel.url).post(`/events/moodle/${sourceId}`).set('Content-Type', 'application/json')
      .set('X-Laurel-Timestamp', String(timestamp)).set('X-Laurel-Signature', signMoodleBody({ secret, timestamp, body })).send(body);
    expect(res.status).toBe(202);
  }

  it('a grade earns a badge: gradebook score and comment within seconds, one email with the right links; revocation updates the comment', async () => {
    const db = laurel.ctx.database.db;
    // Sam opens Laurel's activity (Moodle activity = resource link 10 with its 50-point column).
    const launch = await browse(moodle.launchUrl({ clientId, user: sam, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Badges', lineItem: { scoreMaximum: 50 } } }));
    expect(launch.status).toBe(200);
    const courseRow = (await sql<{ id: string; platform_id: string; ags_scopes: string[] }>`select id, platform_id, ags_scopes from courses where context_id = ${course.id}`.execute(db)).rows[0]!;
    expect(courseRow.ags_scopes).toContain('https://purl.imsglobal.org/spec/lti-ags/scope/score');
    const column = moodle.ags.lineItems(course.id, clientId).find((i) => i.resourceLinkId === '10')!;
    expect(column.scoreMaximum).toBe(50);

    // Two published badges, so the column means "share of the course's badges": one earned = 25 of 50.
    const created = [];
    for (const [name, minPercent] of [['Cells quiz passed', 80], ['Cells quiz mastered', 99]] as const) {
      const res = await api('post', '/achievements').send({ courseId: courseRow.id, name, description: `${name}.`, criteria: { narrative: `At least ${minPercent}% in the cells quiz.` }, rule: { kind: 'score', assignmentId: '12', minPercent } });
      expect(res.status).toBe(201);
      created.push(res.body.id as string);
    }
    const source = await createEventSource(db, { kind: 'moodle', platformId: courseRow.platform_id });

    const t0 = Date.now();
    await deliverGrade(source.id, source.secret!, sam, 45);
    const score = await eventually(async () => moodle.ags.scoresFor(column.id).find((s) => s.userId === moodle.ltiUserId(sam) && s.comment?.includes('Cells quiz passed')), 'Laurel score in the gradebook', 30_000);
    const latencyMs = Date.now() - t0;
    console.info(JSON.stringify({ reach: 'grade-event-to-gradebook-comment', ms: latencyMs }));
    expect(latencyMs).toBeLessThan(30_000);
    const award = (await sql<{ id: string; credential_id: string }>`select id, credential_id from awards where achievement_id = ${created[0]}`.execute(db)).rows[0]!;
    expect(score).toMatchObject({ scoreGiven: 1, scoreMaximum: 2, gradingProgress: 'FullyGraded', activityProgress: 'Completed' });
    expect(score.comment).toBe(`Badges from Laurel (1 of 2):\n- Cells quiz passed: ${laurel.url}/credentials/${award.credential_id}`);
    // What Moodle records: rescaled to the item's maximum (1/2 of 50).
    const result = moodle.ags.resultsFor(column.id).find((r) => r.userId === moodle.ltiUserId(sam))!;
    expect(result).toMatchObject({ resultScore: 25, resultMaximum: 50 });

    // One email, with the links a learner needs.
    const mail = await eventually(async () => smtp.received.find((m) => m.subject === 'You earned a badge: Cells quiz passed'), 'the issuance email', 30_000);
    const credentialUrl = `${laurel.url}/credentials/${award.credential_id}`;
    expect((mail.to as { text: string }).text).toBe(sam.email);
    for (const link of [credentialUrl, `${credentialUrl}/badge.png`, `${credentialUrl}/linkedin`, `${laurel.url}/lti/courses/${courseRow.id}/learner#achievement-${created[0]}`]) {
      expect(mail.text).toContain(link);
      expect(mail.html).toContain(`href="${link}"`);
    }
    expect(mail.html).toContain(`src="${laurel.url}/achievements/${created[0]}/image"`);
    const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '');
    const unsubscribe = /^<([^>]+)>$/.exec(header('list-unsubscribe') ?? '')?.[1];
    expect(unsubscribe).toMatch(new RegExp(`^${laurel.url}/reach/unsubscribe/`));
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    expect(mail.text).toContain(unsubscribe);

    // Revocation: the comment drops the badge and the score falls to 0.
    const revoked = await api('post', `/awards/${award.id}/revoke`).send({ reason: 'Graded the wrong learner.' });
    expect(revoked.status).toBe(200);
    const after = await eventually(async () => moodle.ags.scoresFor(column.id).find((s) => s.userId === moodle.ltiUserId(sam) && s.comment?.startsWith('No badges from Laurel yet')), 'the updated comment', 30_000);
    expect(after).toMatchObject({ scoreGiven: 0, scoreMaximum: 2, comment: 'No badges from Laurel yet (0 of 2).' });
    expect(moodle.ags.resultsFor(column.id).find((r) => r.userId === moodle.ltiUserId(sam))).toMatchObject({ resultScore: 0, resultMaximum: 50 });

    // Still exactly one email: revocation sends none, retries never send twice.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(smtp.received.filter((m) => (m.to as { text: string }).text === sam.email)).toHaveLength(1);

    // RFC 8058 one-click unsubscribe from the header's URL.
    const oneClick = await request(laurel.url).post(new URL(unsubscribe!).pathname).type('form').send('List-Unsubscribe=One-Click');
    expect(oneClick.status).toBe(200);
    const pref = (await sql<{ email_opt_out: boolean }>`select p.email_opt_out from reach_learner_preferences p join learners l on l.id = p.learner_id where l.email = ${sam.email}`.execute(db)).rows[0];
    expect(pref?.email_opt_out).toBe(true);
  });

  it('never posts for a learner the platform did not send (an award by email, outside the LMS)', async () => {
    const db = laurel.ctx.database.db;
    const column = moodle.ags.lineItems(course.id, clientId).find((i) => i.resourceLinkId === '10')!;
    const achievement = (await sql<{ id: string }>`select a.id from achievements a join courses c on c.id = a.course_id where c.context_id = ${course.id} order by a.created_at limit 1`.execute(db)).rows[0]!;
    const before = moodle.ags.scoresFor(column.id).length;
    const res = await api('post', '/awards').send({ achievementId: achievement.id, recipient: { email: leo.email, name: leo.name } });
    expect(res.status).toBe(201);
    await eventually(async () => smtp.received.find((m) => (m.to as { text: string }).text === leo.email), 'Leo\'s email', 30_000);
    // The award went through every reaction (the email arrived); give the coalescing window time to close.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(moodle.ags.scoresFor(column.id).length).toBe(before);
    const posts = (await sql<{ n: number }>`select count(*)::int as n from reach_gradebook_posts p join learners l on l.id = p.learner_id where l.email = ${leo.email}`.execute(db)).rows[0]!.n;
    expect(posts).toBe(0);
  });
});
