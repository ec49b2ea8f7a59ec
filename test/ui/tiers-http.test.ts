// A three-tier badge through the instructor's HTTP routes on the real app, PostgreSQL and Redis: the
// builder's server-side "Add condition", field-level tier errors, creation, grouped display, per-tier
// dry run, publishing the group, score events before and after publishing, and the learner's
// "what the next tier still needs".
import express, { type Express } from 'express';
import { sql } from 'kysely';
import request from 'supertest';
import { evaluateBatchJob, evaluateEventJob, backfillAchievementJob } from '../../src/events';
import { enroll, upsertAssignment, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertPlatform, type Learner } from '../../src/courses';
import { LtiSessions } from '../../src/lti/session';
import { startWorkers, type WorkerHost } from '../../src/queue';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { eventually } from './support';

jest.setTimeout(60_000);

describe('tiered badges through the instructor pages', () => {
  let ctx: TestContext;
  let app: Express;
  let workers: WorkerHost;
  let token: string;
  let courseId: string;
  let quizId: string;
  let teacherCookie: string;
  let learnerCookie: (learner: Learner) => Promise<string>;
  const learners: Record<'bea' | 'sil' | 'gus' | 'late', Learner> = {} as never;
  let bronzeId: string;

  beforeAll(async () => {
    ctx = await createTestContext();
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    workers = startWorkers(ctx, { jobs: [evaluateEventJob, evaluateBatchJob, backfillAchievementJob], concurrency: 2 });
    token = (await createToken(ctx.database.db, { name: 'tiers-test', scopes: ['admin'] })).token;
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://moodle.tiers.edu', clientId: 'tiers', name: 'Moodle', lms: 'moodle', authEndpoint: 'https://moodle.tiers.edu/auth', tokenEndpoint: 'https://moodle.tiers.edu/token', jwksUrl: 'https://moodle.tiers.edu/certs' });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx-tiers', title: 'Statistics' });
    courseId = course.id;
    quizId = (await upsertAssignment(db, { courseId, sourceKey: 'api:quiz-2', name: 'Quiz 2', pointsPossible: 100 })).id;
    const teacher = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'teacher', name: 'Terry Teacher' });
    await enroll(db, { courseId, learnerId: teacher.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], source: 'launch' });
    for (const key of ['bea', 'sil', 'gus', 'late'] as const) {
      learners[key] = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: `u-${key}`, name: key, email: `${key}@tiers.edu` });
      await enroll(db, { courseId, learnerId: learners[key].id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], source: 'launch' });
    }
    // The cookies a verified launch would have set.
    const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure: false });
    const mint = async (learnerId: string, roles: Array<'instructor' | 'learner'>) => {
      const minter = express().get('/mint', async (_req, res) => {
        await sessions.issue(res, { platformId: platform.id, courseId, learnerId, roles });
        res.end();
      });
      return (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
    };
    teacherCookie = await mint(teacher.id, ['instructor']);
    learnerCookie = (learner) => mint(learner.id, ['learner']);
  });
  afterAll(async () => {
    await workers?.close(5000);
    await ctx?.close();
  });

  const page = (path: string, cookie = teacherCookie) => request(app).get(`/lti/courses/${courseId}${path}`).set('Cookie', cookie).set('Accept', 'text/html');
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const post = async (path: string, form: Record<string, string>) => {
    const _csrf = csrfOf((await page('/instructor')).text);
    return request(app).post(`/lti/courses/${courseId}${path}`).set('Cookie', teacherCookie).set('Accept', 'text/html').type('form').send({ ...form, _csrf });
  };
  const tiered = (tiers: Array<[string, string]>) => ({
    name: 'Quiz mastery', description: 'Mastery of Quiz 2.', criteria: 'Score well on Quiz 2.', imageMode: 'generated', color: '#1d5e3a', shape: 'circle',
    ruleMode: 'allOf', ruleAssignment0: quizId, ruleMin0: '', ruleUnit0: 'percent', tierUnit: 'percent',
    ...Object.fromEntries(tiers.flatMap(([name, min], i) => [[`tierName${i}`, name], [`tierMin${i}`, min]])),
  });
  async function scoreEvent(id: string, learner: keyof typeof learners, given: number): Promise<void> {
    const res = await request(app).post('/api/v1/events').set('Authorization', `Bearer ${token}`).send({
      id, courseId, learner: { id: `u-${learner}` }, assignment: { id: 'quiz-2', name: 'Quiz 2' }, scoreGiven: given, scoreMaximum: 100, occurredAt: new Date().toISOString(),
    });
    expect(res.status).toBe(202);
  }
  const awarded = async () => (await sql<{ who: string; badge: string }>`
    select l.name as who, a.name as badge from awards w join learners l on l.id = w.learner_id join achievements a on a.id = w.achievement_id
    where w.status = 'issued' order by l.name, a.name`.execute(ctx.database.db)).rows.map((r) => `${r.who}: ${r.badge}`);

  it('adds a condition row on the server, without saving anything', async () => {
    const res = await post('/instructor/badges', { ...tiered([]), formAction: 'add-condition' });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<select id="ruleAssignment1" name="ruleAssignment1" autofocus/);
    expect(res.text).toContain(`<option value="${quizId}" selected>`);
    expect((await sql`select 1 from achievements`.execute(ctx.database.db)).rows).toHaveLength(0);
  });

  it('answers field-level tier messages and creates nothing', async () => {
    const res = await post('/instructor/badges', tiered([['Bronze', '60'], ['Silver', '60'], ['bronze', '90']]));
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/id="tierMin1"[^>]*aria-invalid="true"/);
    expect(res.text).toContain('Must be higher than the Bronze tier (60).');
    expect(res.text).toContain('Each tier needs a different name.');
    expect((await sql`select 1 from achievements`.execute(ctx.database.db)).rows).toHaveLength(0);
  });

  it('creates three draft tiers as one group, shown grouped with a dry run per tier', async () => {
    await scoreEvent('ev-bea', 'bea', 65);
    await scoreEvent('ev-sil', 'sil', 80);
    await scoreEvent('ev-gus', 'gus', 95);
    await eventually(() => sql`select 1 from learner_scores`.execute(ctx.database.db).then((r) => r.rows.length === 3), 'three scores');
    const res = await post('/instructor/badges', tiered([['Bronze', '60'], ['Silver', '75'], ['Gold', '90']]));
    expect(res.status).toBe(303);
    bronzeId = /badges\/([0-9a-f-]{36})\?done=created$/.exec(res.headers.location!)![1]!;
    const { rows } = await sql<{ name: string; status: string; rank: number; rule: unknown }>`
      select a.name, a.status, t.rank, a.rule from badge_tiers t join achievements a on a.id = t.achievement_id order by t.rank`.execute(ctx.database.db);
    expect(rows.map((r) => [r.name, r.status, r.rank])).toEqual([['Quiz mastery: Bronze', 'draft', 0], ['Quiz mastery: Silver', 'draft', 1], ['Quiz mastery: Gold', 'draft', 2]]);
    expect(rows[1]!.rule).toEqual({ kind: 'score', assignmentId: quizId, minPercent: 75 });

    const course = await page('/instructor');
    expect(course.text).toContain('Quiz mastery: Bronze 60%, Silver 75%, Gold 90% on Quiz 2');
    const badge = await page(`/instructor/badges/${bronzeId}`);
    expect(badge.status).toBe(200);
    const cells = [...badge.text.matchAll(/<td>(\d+)<\/td>\s*<\/tr>/g)].map((m) => Number(m[1]));
    expect(cells).toEqual([3, 2, 1]);
    expect(badge.text).toContain('Publish all 3 draft tier(s)');
    expect(badge.text).toContain('Bronze: 3, Silver: 2, Gold: 1');
  });

  it('edits the ladder: the form shows the tiers and saves them back', async () => {
    const edit = await page(`/instructor/badges/${bronzeId}/edit`);
    expect(edit.status).toBe(200);
    expect(edit.text).toMatch(/id="tierName2"[^>]*value="Gold"/);
    expect(edit.text).toMatch(/id="tierMin1"[^>]*value="75"/);
    const ids = [...edit.text.matchAll(/name="tierId(\d)" value="([0-9a-f-]{36})"/g)].map((m) => m[2]!);
    expect(ids).toHaveLength(3);
    const res = await post(`/instructor/badges/${bronzeId}/edit`, { ...tiered([['Bronze', '60'], ['Silver', '75'], ['Gold', '90']]), imageMode: 'keep', tierId0: ids[0]!, tierId1: ids[1]!, tierId2: ids[2]! });
    expect(res.status).toBe(303);
    expect((await sql`select 1 from achievements`.execute(ctx.database.db)).rows).toHaveLength(3);
  });

  it('publishes the group; the backfill and a later score event award the right tiers', async () => {
    const res = await post(`/instructor/badges/${bronzeId}/publish-tiers`, {});
    expect(res.status).toBe(303);
    expect((await sql<{ status: string }>`select distinct status from achievements`.execute(ctx.database.db)).rows).toEqual([{ status: 'published' }]);
    const expected = ['bea: Quiz mastery: Bronze', 'gus: Quiz mastery: Bronze', 'gus: Quiz mastery: Gold', 'gus: Quiz mastery: Silver', 'sil: Quiz mastery: Bronze', 'sil: Quiz mastery: Silver'];
    await eventually(async () => (await awarded()).length === 6, 'the backfill awards');
    expect(await awarded()).toEqual(expected);
    await scoreEvent('ev-late', 'late', 78);
    await eventually(async () => (await awarded()).length === 8, 'the live awards');
    expect(await awarded()).toEqual([...expected, 'late: Quiz mastery: Bronze', 'late: Quiz mastery: Silver'].sort());
    const again = await post(`/instructor/badges/${bronzeId}/publish-tiers`, {});
    expect(again.status).toBe(409);
  });

  it('shows the learner the tier they hold and what the next tier still needs', async () => {
    const res = await page('/learner', await learnerCookie(learners.late));
    expect(res.status).toBe(200);
    expect(res.text).toContain('You hold Silver. Next tier: Gold.');
    expect(res.text).toContain('Quiz 2: 78% of the 90% required for Gold');
    // Only the next tier of the ladder is listed as still to earn.
    expect(res.text.match(/<h3>Quiz mastery: /g)).toHaveLength(1);
  });
});
