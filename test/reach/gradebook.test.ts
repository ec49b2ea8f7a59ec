// Gradebook feedback use-case on the real database with a recording AGS: what is posted, and every
// reason nothing is (feedback off, no score scope, a learner the platform did not send, an instructor,
// no change). Plus the coalescing of bursts into one job per learner and window.
import { sql } from 'kysely';
import { awardBadge, badgesDepsFor, createAchievement, issueCredential, runBadgesMaintenance } from '../../src/badges';
import { enroll, upsertDeployment, upsertLtiCourse, upsertLtiLearner, upsertManualLearner, upsertPlatform } from '../../src/courses';
import { GRADEBOOK_WINDOW_MS, LAUREL_COLUMN, queueGradebook, setGradebookFeedback, sweepGradebook, syncGradebook, type GradebookAgs } from '../../src/reach';
import { createTestContext, type TestContext } from '../support/context';

const SCORE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
const LINEITEM = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';

describe('gradebook feedback', () => {
  let ctx: TestContext;
  const posts: Array<{ url: string; userId: string; scoreGiven: number; scoreMaximum: number; comment?: string }> = [];
  const created: string[] = [];
  const ags: GradebookAgs = {
    async findOrCreateLineItem(url, item) { created.push(`${url}|${item.resourceId}|${item.tag}`); return { id: 'https://lms.example/lineitems/99' }; },
    async postScore(url, score) { posts.push({ url, userId: score.userId, scoreGiven: score.scoreGiven, scoreMaximum: score.scoreMaximum, comment: score.comment }); },
  };
  const deps = () => ({ db: ctx.database.db, baseUrl: 'https://laurel.example', agsFor: async () => ags, now: () => new Date() });
  let courseId: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    ctx = await createTestContext();
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://lms.example', clientId: 'c', name: 'LMS', lms: 'moodle', authEndpoint: 'https://lms.example/a', tokenEndpoint: 'https://lms.example/t', jwksUrl: 'https://lms.example/j' });
    const deployment = await upsertDeployment(db, { platformId: platform.id, deploymentId: '1' });
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: deployment, contextId: 'ctx', title: 'Biology', agsLineitemsUrl: 'https://lms.example/lineitems' });
    courseId = course.id;
    await sql`update courses set ags_scopes = ${[SCORE, LINEITEM]}::text[] where id = ${courseId}`.execute(db);
    await sql`insert into lti_resource_links (course_id, resource_link_id, title, lineitem_url, target) values (${courseId}, '10', 'Badges', 'https://lms.example/lineitems/12', 'course')`.execute(db);
    const sam = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'sam-sub', name: 'Sam' });
    const terry = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'terry-sub', name: 'Terry' });
    const eve = await upsertManualLearner(db, { email: 'eve@example.com' });
    await enroll(db, { courseId, learnerId: sam.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], source: 'launch' });
    await enroll(db, { courseId, learnerId: terry.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], source: 'launch' });
    await enroll(db, { courseId, learnerId: eve.id, roles: ['Learner'], source: 'api' });
    const badges = badgesDepsFor(ctx);
    const a = await createAchievement(badges, { courseId, name: 'First', description: 'd', criteriaNarrative: 'c', status: 'published', actor: 't' });
    await createAchievement(badges, { courseId, name: 'Second', description: 'd', criteriaNarrative: 'c', status: 'published', actor: 't' });
    await createAchievement(badges, { courseId, name: 'Draft', description: 'd', criteriaNarrative: 'c', status: 'draft', actor: 't' });
    for (const learner of [sam, terry, eve]) {
      const { award } = await awardBadge(badges, { achievementId: a.id, learnerId: learner.id, actor: 't', source: 'manual' });
      await issueCredential(badges, { awardId: award.id });
    }
    ids = { sam: sam.id, terry: terry.id, eve: eve.id, achievement: a.id };
  });
  afterAll(() => ctx.close());
  beforeEach(() => { posts.length = 0; created.length = 0; });

  it('posts held / published with the comment to the resource link\'s column, then nothing while unchanged', async () => {
    const outcome = await syncGradebook(deps(), { courseId, learnerId: ids.sam! });
    expect(outcome).toEqual({ posted: true, scoreGiven: 1, scoreMaximum: 2, lineItemUrl: 'https://lms.example/lineitems/12' });
    const credential = (await sql<{ credential_id: string }>`select credential_id from awards where learner_id = ${ids.sam}`.execute(ctx.database.db)).rows[0]!.credential_id;
    expect(posts).toEqual([{ url: 'https://lms.example/lineitems/12', userId: 'sam-sub', scoreGiven: 1, scoreMaximum: 2, comment: `Badges from Laurel (1 of 2):\n- First: https://laurel.example/credentials/${credential}` }]);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toEqual({ posted: false, skipped: 'unchanged' });
    expect(posts).toHaveLength(1);
  });

  it('never posts for an instructor or a learner the platform did not send', async () => {
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.terry! })).toEqual({ posted: false, skipped: 'not-from-platform' });
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.eve! })).toEqual({ posted: false, skipped: 'not-from-platform' });
    expect(posts).toEqual([]);
  });

  it('respects the course switch and the platform\'s scopes', async () => {
    await sql`delete from reach_gradebook_posts`.execute(ctx.database.db);
    await setGradebookFeedback(ctx.database.db, { courseId, on: false });
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toEqual({ posted: false, skipped: 'feedback-off' });
    await setGradebookFeedback(ctx.database.db, { courseId, on: true });
    await sql`update courses set ags_scopes = ${['https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly']}::text[] where id = ${courseId}`.execute(ctx.database.db);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toEqual({ posted: false, skipped: 'no-score-scope' });
    expect(posts).toEqual([]);
    await sql`update courses set ags_scopes = ${[SCORE, LINEITEM]}::text[] where id = ${courseId}`.execute(ctx.database.db);
  });

  it('uses a column of its own when the launch named none and the platform lets it create one', async () => {
    await sql`update lti_resource_links set lineitem_url = null where course_id = ${courseId}`.execute(ctx.database.db);
    await sql`delete from reach_gradebook_posts`.execute(ctx.database.db);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toMatchObject({ posted: true, lineItemUrl: 'https://lms.example/lineitems/99' });
    expect(created).toEqual([`https://lms.example/lineitems|${LAUREL_COLUMN.resourceId}|${LAUREL_COLUMN.tag}`]);
    await sql`update courses set ags_scopes = ${[SCORE]}::text[] where id = ${courseId}`.execute(ctx.database.db);
    await sql`delete from reach_gradebook_posts`.execute(ctx.database.db);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toEqual({ posted: false, skipped: 'no-line-item' });
  });

  it('two learners of a course synced at once make one column (AGS creation is not idempotent)', async () => {
    const db = ctx.database.db;
    await sql`update lti_resource_links set lineitem_url = null where course_id = ${courseId}`.execute(db);
    await sql`update courses set ags_scopes = ${[SCORE, LINEITEM]}::text[] where id = ${courseId}`.execute(db);
    await sql`delete from reach_gradebook_posts`.execute(db);
    const platformId = (await sql<{ platform_id: string }>`select platform_id from courses where id = ${courseId}`.execute(db)).rows[0]!.platform_id;
    const lee = await upsertLtiLearner(db, { platformId, ltiUserId: 'lee-sub', name: 'Lee' });
    await enroll(db, { courseId, learnerId: lee.id, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner'], source: 'launch' });
    const badges = badgesDepsFor(ctx);
    const { award } = await awardBadge(badges, { achievementId: ids.achievement!, learnerId: lee.id, actor: 't', source: 'manual' });
    await issueCredential(badges, { awardId: award.id });
    // An LMS that looks the column up, takes a moment, then creates it: the window two jobs can race in.
    const columns: string[] = [];
    const slowLms: GradebookAgs = {
      async findOrCreateLineItem(url) {
        const found = columns[0];
        await new Promise((resolve) => setTimeout(resolve, 100));
        if (found) return { id: found };
        columns.push(`${url}/${columns.length + 100}`);
        return { id: columns[columns.length - 1]! };
      },
      async postScore() {},
    };
    const racing = () => ({ ...deps(), agsFor: async () => slowLms });
    const outcomes = await Promise.all([syncGradebook(racing(), { courseId, learnerId: ids.sam! }), syncGradebook(racing(), { courseId, learnerId: lee.id })]);
    expect(outcomes.map((o) => o.posted)).toEqual([true, true]);
    expect(columns).toHaveLength(1);
  });

  it('an expiry found by the maintenance sweep is announced, so the column drops the badge', async () => {
    const badges = badgesDepsFor(ctx);
    const a = await createAchievement(badges, { courseId, name: 'Short-lived', description: 'd', criteriaNarrative: 'c', status: 'published', validForDays: 1, actor: 't' });
    const { award } = await awardBadge(badges, { achievementId: a.id, learnerId: ids.sam!, actor: 't', source: 'manual' });
    const result = await runBadgesMaintenance(ctx, { now: new Date(Date.now() + 2 * 86_400_000) });
    expect(result.expired).toBeGreaterThanOrEqual(1);
    const job = await ctx.queues.get('notify').getJob(`award-expired-${award.id}`);
    expect(job?.name).toBe('award.expired');
    expect(job?.data).toEqual({ awardId: award.id, courseId, learnerId: ids.sam });
  });

  it('re-queues a learner whose revocation announcement was lost, and only them', async () => {
    const db = ctx.database.db;
    await sql`delete from reach_gradebook_posts`.execute(db);
    await sql`delete from awards where status = 'expired'`.execute(db); // the expiry test's award, dated in the future
    await sql`update lti_resource_links set lineitem_url = 'https://lms.example/lineitems/12' where course_id = ${courseId}`.execute(db);
    await sql`update courses set ags_scopes = ${[SCORE, LINEITEM]}::text[] where id = ${courseId}`.execute(db);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toMatchObject({ posted: true });
    expect(await sweepGradebook(ctx)).toBe(0);
    // A revocation committed while Redis was down: no announcement, only the database knows.
    await sql`update awards set status = 'revoked', revoked_at = now(), updated_at = now() + interval '1 second' where learner_id = ${ids.sam} and achievement_id = ${ids.achievement}`.execute(db);
    expect(await sweepGradebook(ctx)).toBe(1);
    expect(await syncGradebook(deps(), { courseId, learnerId: ids.sam! })).toMatchObject({ posted: true, scoreGiven: 0 });
  });

  it('coalesces a burst into one job per learner and window', async () => {
    // The sweep above queued a job of its own (in whatever window it ran): count only this burst's.
    await ctx.queues.get('notify').drain(true);
    const now = Math.floor(Date.now() / GRADEBOOK_WINDOW_MS) * GRADEBOOK_WINDOW_MS + 10;
    const first = await queueGradebook(ctx.queues, { courseId, learnerId: ids.sam!, now });
    const second = await queueGradebook(ctx.queues, { courseId, learnerId: ids.sam!, now: now + 500 });
    const later = await queueGradebook(ctx.queues, { courseId, learnerId: ids.sam!, now: now + GRADEBOOK_WINDOW_MS });
    expect(second).toBe(first);
    expect(later).not.toBe(first);
    const delayed = await ctx.queues.get('notify').getDelayed();
    expect(delayed.filter((j) => j.name === 'reach.gradebook')).toHaveLength(2);
  });
});
