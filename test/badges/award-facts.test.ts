// The award facts badges lets other modules read (reach's email, gradebook, Moodle plugin, My badges),
// on the real database: what each answers, and that a platform or course scope is never crossed, even
// when the caller passes ids of another platform's learners or courses.
import { sql } from 'kysely';
import {
  awardBadge, awardDetails, awardsEndedSince, badgesDepsFor, courseStandingOf, createAchievement, credentialsStoredAfter, issueCredential,
  publicValidAwardsOf, revokeAward, unrevokedAwardsOf,
} from '../../src/badges';
import { enroll, upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { issuerNames } from '../../src/credentials';
import { courseLineItemUrl } from '../../src/lti';
import { createTestContext, type TestContext } from '../support/context';

describe('award facts for other modules', () => {
  let ctx: TestContext;
  let a: string;
  let b: string;
  const course: Record<string, string> = {};
  const learner: Record<string, string> = {};
  const award: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestContext();
    const db = ctx.database.db;
    const deps = badgesDepsFor(ctx);
    const platform = (name: string) => upsertPlatform(db, { issuer: `https://${name}.example`, clientId: name, name, lms: 'moodle', authEndpoint: `https://${name}.example/a`, tokenEndpoint: `https://${name}.example/t`, jwksUrl: `https://${name}.example/j` });
    a = (await platform('a')).id;
    b = (await platform('b')).id;
    course.a1 = (await upsertLtiCourse(db, { platformId: a, deploymentRowId: null, contextId: '1', title: 'Biology' })).id;
    course.a2 = (await upsertLtiCourse(db, { platformId: a, deploymentRowId: null, contextId: '2', title: 'Chemistry' })).id;
    course.b1 = (await upsertLtiCourse(db, { platformId: b, deploymentRowId: null, contextId: '1', title: 'Elsewhere' })).id;
    learner.sam = (await upsertLtiLearner(db, { platformId: a, ltiUserId: '4', lmsUserId: '4', name: 'Sam' })).id;
    learner.bee = (await upsertLtiLearner(db, { platformId: b, ltiUserId: '4', lmsUserId: '4', name: 'Bee' })).id;
    for (const [c, l] of [['a1', 'sam'], ['a2', 'sam'], ['b1', 'sam'], ['b1', 'bee'], ['a1', 'bee']] as const) {
      await enroll(db, { courseId: course[c]!, learnerId: learner[l]!, roles: ['Learner'], source: 'launch' });
    }
    const give = async (key: string, c: string, l: string, opts: { visibility?: 'private'; sign?: false; status?: 'draft' } = {}) => {
      const achievement = await createAchievement(deps, { courseId: course[c]!, name: key, description: `${key}.`, criteriaNarrative: `Earn ${key}.`, status: 'published', actor: 't' });
      const made = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner[l]!, actor: 't', source: 'manual', ...(opts.visibility ? { visibility: opts.visibility } : {}) });
      if (opts.sign !== false) await issueCredential(deps, { awardId: made.award.id });
      // Awarding needs a published achievement: one back in draft afterwards.
      if (opts.status) await sql`update achievements set status = ${opts.status} where id = ${achievement.id}`.execute(db);
      award[key] = made.award.id;
    };
    await give('First', 'a1', 'sam');
    await give('Second', 'a2', 'sam');
    await give('Hidden', 'a1', 'sam', { visibility: 'private' });
    await give('Unsigned', 'a1', 'sam', { sign: false });
    await give('Expired', 'a1', 'sam');
    await give('Revoked', 'a1', 'sam');
    await give('Draft', 'a1', 'sam', { status: 'draft' });
    await give('Elsewhere', 'b1', 'sam');
    await give('Bee', 'b1', 'bee');
    await give('Visitor', 'a1', 'bee');
    await sql`update awards set expires_at = now() - interval '1 minute' where id = ${award.Expired}`.execute(db);
    await revokeAward(deps, { awardId: award.Revoked!, reason: 'mistake', actor: 't' });
    // Distinct award times, in the order given above.
    let n = 0;
    for (const id of Object.values(award)) await sql`update awards set awarded_at = '2026-01-01T00:00:00Z'::timestamptz + make_interval(mins => ${(n += 1)}) where id = ${id}`.execute(db);
  });
  afterAll(() => ctx?.close());

  const names = (rows: Array<{ achievement: { name: string } }>) => rows.map((r) => r.achievement.name);

  it('answers awards by id in one batch, with the achievement wording and the credential once signed', async () => {
    const found = await awardDetails(ctx.database.db, [award.First!, award.Unsigned!, award.First!, '00000000-0000-0000-0000-000000000000']);
    expect([...found.keys()].sort()).toEqual([award.First, award.Unsigned].sort());
    const first = found.get(award.First!)!;
    expect(first).toMatchObject({ status: 'issued', courseId: course.a1, learnerId: learner.sam, visibility: 'public', achievement: { name: 'First', description: 'First.', criteriaNarrative: 'Earn First.', imageUrl: null } });
    expect(first.credential).toEqual({ id: expect.any(String), issuerId: expect.any(String), issuedAt: expect.any(Date) });
    expect(found.get(award.Unsigned!)!.credential).toBeNull();
    expect(await awardDetails(ctx.database.db, [])).toEqual(new Map());
  });

  it('a person\'s unrevoked awards stay within the platform\'s courses, whatever learner ids are passed', async () => {
    const db = ctx.database.db;
    const onA = await unrevokedAwardsOf(db, { platformId: a, learnerIds: [learner.sam!, learner.bee!], limit: 100 });
    expect(names(onA)).toEqual(['Visitor', 'Draft', 'Expired', 'Unsigned', 'Hidden', 'Second', 'First']);
    expect(names(await unrevokedAwardsOf(db, { platformId: b, learnerIds: [learner.sam!], limit: 100 }))).toEqual(['Elsewhere']);
    expect(names(await unrevokedAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], limit: 2 }))).toEqual(['Draft', 'Expired']);
    expect(await unrevokedAwardsOf(db, { platformId: a, learnerIds: [], limit: 100 })).toEqual([]);
  });

  it('public valid awards leave out hidden, unsigned, expired and revoked ones, and another platform\'s courses', async () => {
    const db = ctx.database.db;
    const now = new Date();
    const shown = await publicValidAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], now, limit: 100 });
    expect(names(shown).sort()).toEqual(['Draft', 'First', 'Second']);
    expect(names(await publicValidAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], courseIds: [course.a2!], now, limit: 100 }))).toEqual(['Second']);
    // A course of platform B named under platform A's scope answers nothing.
    expect(await publicValidAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], courseIds: [course.b1!], now, limit: 100 })).toEqual([]);
    expect(await publicValidAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], courseIds: [], now, limit: 100 })).toEqual([]);
    // Before the expiry, the expired one was valid.
    const earlier = await publicValidAwardsOf(db, { platformId: a, learnerIds: [learner.sam!], now: new Date(Date.now() - 3_600_000), limit: 100 });
    expect(names(earlier)).toContain('Expired');
  });

  it('a learner\'s standing in a course counts published achievements and their valid awards of them, oldest first', async () => {
    const standing = await courseStandingOf(ctx.database.db, { courseId: course.a1!, learnerId: learner.sam!, at: new Date() });
    // Published in a1: First, Hidden, Unsigned, Expired, Revoked, Visitor (Draft is a draft).
    expect(standing.publishedCount).toBe(6);
    expect(names(standing.held)).toEqual(['First', 'Hidden', 'Unsigned']);
    expect(standing.held.map((h) => h.visibility)).toEqual(['public', 'private', 'public']);
  });

  it('the platform\'s newly stored credentials: its courses and its learners only, read on page by page', async () => {
    const db = ctx.database.db;
    const start = { storedAtMicros: '0', awardId: '00000000-0000-0000-0000-000000000000' };
    const all = await credentialsStoredAfter(db, { platformId: a, after: start, limit: 100 });
    // Not Elsewhere (B's course), not Visitor (B's learner in A's course), not Revoked, not Unsigned.
    expect(names(all).sort()).toEqual(['Draft', 'Expired', 'First', 'Hidden', 'Second']);
    const paged: string[] = [];
    let after = start;
    for (;;) {
      const page = await credentialsStoredAfter(db, { platformId: a, after, limit: 2 });
      paged.push(...names(page));
      if (page.length < 2) break;
      after = page.at(-1)!.key;
    }
    expect(paged).toEqual(names(all));
    expect(names(await credentialsStoredAfter(db, { platformId: b, after: start, limit: 100 }))).toEqual(['Bee']);
  });

  it('awards ended since a time, per course and learner, page by page', async () => {
    const db = ctx.database.db;
    const hourAgo = new Date(Date.now() - 3_600_000);
    await sql`update awards set status = 'expired', updated_at = now() where id = ${award.Bee}`.execute(db);
    const ended = await awardsEndedSince(db, { since: hourAgo, limit: 100 });
    expect(ended.map((e) => `${e.courseId}/${e.learnerId}`).sort()).toEqual([`${course.a1}/${learner.sam}`, `${course.b1}/${learner.bee}`].sort());
    const revoked = ended.find((e) => e.learnerId === learner.sam)!;
    const { rows } = await sql<{ same: boolean }>`select ${revoked.lastChangedAt}::timestamptz = (select updated_at from awards where id = ${award.Revoked}) as same`.execute(db);
    expect(rows[0]!.same).toBe(true);
    const first = await awardsEndedSince(db, { since: hourAgo, limit: 1 });
    const second = await awardsEndedSince(db, { since: hourAgo, after: first[0]!, limit: 1 });
    expect([...first, ...second]).toEqual(ended);
    expect(await awardsEndedSince(db, { since: new Date(Date.now() + 60_000), limit: 100 })).toEqual([]);
  });

  it('names issuers by id (credentials) and finds the course page\'s line item (lti)', async () => {
    const db = ctx.database.db;
    const issuerId = (await awardDetails(db, [award.First!])).get(award.First!)!.credential!.issuerId;
    const named = await issuerNames(db, [issuerId, 'no-such-issuer']);
    expect([...named.keys()]).toEqual([issuerId]);
    expect(named.get(issuerId)).toEqual(expect.any(String));
    expect(await courseLineItemUrl(db, course.a1!)).toBeUndefined();
    await sql`insert into lti_resource_links (course_id, resource_link_id, lineitem_url, target, updated_at) values
      (${course.a1}, '1', 'https://a.example/li/1', 'course', now() - interval '1 day'),
      (${course.a1}, '2', 'https://a.example/li/2', 'course', now()),
      (${course.a1}, '3', 'https://a.example/li/3', 'achievement:x', now() + interval '1 day'),
      (${course.b1}, '4', 'https://b.example/li/4', 'course', now() + interval '1 day')`.execute(db);
    expect(await courseLineItemUrl(db, course.a1!)).toBe('https://a.example/li/2');
  });
});
