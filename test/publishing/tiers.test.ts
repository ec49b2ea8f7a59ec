import { sql } from 'kysely';
import { listAudit } from '../../src/audit';
import { badgesDepsFor, createAchievement, getAchievement } from '../../src/badges';
import { createManualCourse, enroll, upsertAssignment, upsertManualLearner, type Assignment, type Course } from '../../src/courses';
import { LaurelError } from '../../src/errors';
import { createTieredBadge, dryRunTierGroup, listTierGroups, publishTierGroup, saveTieredBadge, validateTiers, type TierBadgeBase, type TierGroup } from '../../src/publishing';
import type { RuleNode } from '../../src/rules';
import { createTestContext, type TestContext } from '../support/context';

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: unknown) => (e instanceof LaurelError ? e.code : String(e)));
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as LaurelError).issues;
  }
  return undefined;
};

describe('tiered badge use-cases', () => {
  let ctx: TestContext;
  let course: Course;
  let quiz: Assignment;
  let group: TierGroup;
  const base: TierBadgeBase = { description: 'd', criteriaNarrative: 'c', alignments: [], validForDays: null };
  const score = (minPercent: number): RuleNode => ({ kind: 'score', assignmentId: quiz.id, minPercent });
  const now = () => new Date();

  beforeAll(async () => {
    ctx = await createTestContext();
    const db = ctx.database.db;
    course = await createManualCourse(db, { title: 'Tiers 101' });
    quiz = await upsertAssignment(db, { courseId: course.id, sourceKey: 'api:quiz', name: 'Quiz', pointsPossible: 10 });
    for (const [email, given] of [['a@x.edu', 6.5], ['b@x.edu', 8], ['c@x.edu', 9.5]] as const) {
      const learner = await upsertManualLearner(db, { email });
      await enroll(db, { courseId: course.id, learnerId: learner.id, source: 'api' });
      await sql`insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at) values (${course.id}, ${learner.id}, ${quiz.id}, ${given}, 10, now())`.execute(db);
    }
  });
  afterAll(() => ctx.close());

  it('refuses ladders that do not rise, repeat a name, differ in shape or have one tier, with field issues', () => {
    expect(issuesOf(() => validateTiers([{ name: 'A', rule: score(60) }, { name: 'B', rule: score(60) }]))).toEqual([{ field: 'tiers.1.threshold', message: 'Must be higher than the A tier (60).' }]);
    expect(issuesOf(() => validateTiers([{ name: 'Gold', rule: score(60) }, { name: 'gold', rule: score(70) }]))).toEqual([{ field: 'tiers.1.name', message: 'Each tier needs a different name.' }]);
    expect(issuesOf(() => validateTiers([{ name: 'A', rule: score(60) }]))).toEqual([{ field: 'tiers', message: 'A tiered badge has 2 to 5 tiers.' }]);
    expect(issuesOf(() => validateTiers([{ name: 'A', rule: score(60) }, { name: 'B', rule: { kind: 'score', assignmentId: 'other', minPercent: 70 } }]))).toEqual([{ field: 'tiers.1.rule', message: 'every tier must have the same conditions as the first' }]);
    expect(issuesOf(() => validateTiers([{ name: 'A', rule: { kind: 'badges', achievementIds: ['x'] } }, { name: 'B', rule: score(70) }]))).toEqual(expect.arrayContaining([{ field: 'tiers.0.rule', message: 'a tier rule needs score conditions sharing one threshold' }]));
  });

  it('refuses a badge name that does not fit with its tier names', async () => {
    expect(await codeOf(createTieredBadge(ctx, { courseId: course.id, name: 'x'.repeat(195), base, tiers: [{ name: 'Bronze', rule: score(60) }, { name: 'Silver', rule: score(75) }], actor: 'lti:t' }))).toBe('ERR_VALIDATION');
    expect((await sql`select 1 from achievements`.execute(ctx.database.db)).rows).toHaveLength(0);
  });

  it('creates one draft achievement per tier, linked in order and audited', async () => {
    group = await createTieredBadge(ctx, { courseId: course.id, name: 'Quiz mastery', base, tiers: [{ name: 'Bronze', rule: score(60) }, { name: 'Silver', rule: score(75) }, { name: 'Gold', rule: score(90) }], actor: 'lti:t' });
    expect(group.tiers.map((t) => [t.tierName, t.rank, t.achievement.name, t.achievement.status, t.threshold])).toEqual([
      ['Bronze', 0, 'Quiz mastery: Bronze', 'draft', { unit: 'percent', value: 60 }],
      ['Silver', 1, 'Quiz mastery: Silver', 'draft', { unit: 'percent', value: 75 }],
      ['Gold', 2, 'Quiz mastery: Gold', 'draft', { unit: 'percent', value: 90 }],
    ]);
    expect((await listAudit(ctx.database.db, { courseId: course.id })).map((e) => e.action)).toContain('tiers.created');
    expect(await dryRunTierGroup(ctx, { group, now: now() })).toEqual(group.tiers.map((t, i) => ({ achievementId: t.achievement.id, tierName: t.tierName, draft: true, wouldEarn: 3 - i })));
  });

  it('publishes every draft tier with its own backfill, once', async () => {
    const published = await publishTierGroup(ctx, { group, actor: 'lti:t', now: now() });
    expect(published.map((p) => p.achievementId)).toEqual(group.tiers.map((t) => t.achievement.id));
    for (const p of published) expect(await ctx.queues.get('evaluate').getJob(`backfill-${p.achievementId}-v${p.version}`)).toBeDefined();
    group = (await listTierGroups(ctx.database.db, { courseId: course.id }))[0]!;
    expect(await codeOf(publishTierGroup(ctx, { group, actor: 'lti:t', now: now() }))).toBe('ERR_CONFLICT');
  });

  it('saves an edited ladder: updates kept tiers, publishes a new one, archives a removed published one', async () => {
    const [bronze, silver, gold] = group.tiers.map((t) => t.achievement.id);
    const saved = await saveTieredBadge(ctx, {
      achievementId: silver!, name: 'Quiz mastery', base, actor: 'lti:t', now: now(),
      tiers: [{ achievementId: bronze!, name: 'Bronze', rule: score(50) }, { achievementId: gold!, name: 'Gold', rule: score(90) }, { name: 'Platinum', rule: score(98) }],
    });
    expect(saved.tiers.map((t) => [t.tierName, t.achievement.status, t.threshold?.value])).toEqual([['Bronze', 'published', 50], ['Gold', 'published', 90], ['Platinum', 'published', 98]]);
    expect((await getAchievement({ db: ctx.database.db }, silver!)).status).toBe('archived');
    expect((await getAchievement({ db: ctx.database.db }, bronze!)).rule).toEqual(score(50));
  });

  it('refuses a tier id from outside the badge, and makes a plain badge the lowest tier', async () => {
    const plain = await createAchievement(badgesDepsFor(ctx), { courseId: course.id, name: 'Quiz pass', description: 'd', criteriaNarrative: 'c', rule: score(50), status: 'draft', actor: 'lti:t' });
    const stranger = (await listTierGroups(ctx.database.db, { courseId: course.id }))[0]!.tiers[0]!.achievement.id;
    expect(await codeOf(saveTieredBadge(ctx, { achievementId: plain.id, name: 'Quiz pass', base, actor: 'lti:t', now: now(), tiers: [{ achievementId: stranger, name: 'A', rule: score(50) }, { name: 'B', rule: score(70) }] }))).toBe('ERR_VALIDATION');
    const made = await saveTieredBadge(ctx, { achievementId: plain.id, name: 'Quiz pass', base, actor: 'lti:t', now: now(), tiers: [{ name: 'Pass', rule: score(50) }, { name: 'Merit', rule: score(70) }] });
    expect(made.tiers.map((t) => [t.achievement.id === plain.id, t.achievement.name, t.achievement.status])).toEqual([[true, 'Quiz pass: Pass', 'draft'], [false, 'Quiz pass: Merit', 'draft']]);
    expect(await listTierGroups(ctx.database.db, { courseId: course.id })).toHaveLength(2);
  });
});
