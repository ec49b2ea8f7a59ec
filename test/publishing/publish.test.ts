import { sql } from 'kysely';
import { listAudit } from '../../src/audit';
import { badgesDepsFor, createAchievement, type AchievementRow } from '../../src/badges';
import { createManualCourse, enroll, upsertAssignment, upsertManualLearner, type Assignment, type Course, type Learner } from '../../src/courses';
import { LaurelError } from '../../src/errors';
import { awardToRosterLearner, dryRunAchievement, publishAchievement, setAwardVisibility, updateAchievement } from '../../src/publishing';
import { createTestContext, type TestContext } from '../support/context';

const codeOf = (promise: Promise<unknown>) => promise.then(() => 'resolved', (e: unknown) => (e instanceof LaurelError ? e.code : String(e)));

describe('publishing use-cases', () => {
  let ctx: TestContext;
  let course: Course;
  let quiz: Assignment;
  let pass: Learner;
  let achievement: AchievementRow;

  beforeAll(async () => {
    ctx = await createTestContext();
    const db = ctx.database.db;
    course = await createManualCourse(db, { title: 'Publishing 101' });
    quiz = await upsertAssignment(db, { courseId: course.id, sourceKey: 'api:quiz', name: 'Quiz', pointsPossible: 10 });
    pass = await upsertManualLearner(db, { email: 'pass@example.edu', name: 'Pat Pass' });
    const fail = await upsertManualLearner(db, { email: 'fail@example.edu', name: 'Fay Fail' });
    for (const [learner, given] of [[pass, 9], [fail, 5]] as const) {
      await enroll(db, { courseId: course.id, learnerId: learner.id, source: 'api' });
      await sql`insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at) values (${course.id}, ${learner.id}, ${quiz.id}, ${given}, 10, now())`.execute(db);
    }
    achievement = await createAchievement(badgesDepsFor(ctx), { courseId: course.id, name: 'Quiz pro', description: 'd', criteriaNarrative: 'c', rule: { kind: 'score', assignmentId: quiz.id, minPercent: 80 }, status: 'draft', actor: 'lti:test' });
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('dry-runs without writing anything', async () => {
    const dry = await dryRunAchievement(ctx, { achievementId: achievement.id, now: new Date() });
    expect(dry.wouldEarn).toBe(1);
    expect(dry.learners.filter((l) => l.evaluation.award).map((l) => l.name)).toEqual(['Pat Pass']);
    expect((await sql<{ n: string }>`select count(*) as n from awards`.execute(ctx.database.db)).rows[0]!.n).toBe('0');
  });

  it('publishes once: version bump, audit entry and a backfill job', async () => {
    const published = await publishAchievement(ctx, { achievementId: achievement.id, actor: 'lti:test', now: new Date() });
    expect(published.version).toBe(achievement.rule_version + 1);
    expect(published.backfillJobId).toBe(`backfill-${achievement.id}-v${published.version}`);
    const job = await ctx.queues.get('evaluate').getJob(published.backfillJobId!);
    expect(job?.data).toEqual({ achievementId: achievement.id });
    const entry = (await listAudit(ctx.database.db, { courseId: course.id })).find((e) => e.action === 'rule.published');
    expect(entry).toMatchObject({ actor: 'lti:test', subject_id: achievement.id, details: expect.objectContaining({ version: published.version }) });
    expect(await codeOf(publishAchievement(ctx, { achievementId: achievement.id, actor: 'lti:test', now: new Date() }))).toBe('ERR_CONFLICT');
  });

  it('versions a changed rule, not a reworded one', async () => {
    const base = { name: 'Quiz pro', description: 'Reworded', criteriaNarrative: 'c', alignments: [], validForDays: null };
    const same = await updateAchievement(ctx, { achievementId: achievement.id, changes: { ...base, rule: { kind: 'score', assignmentId: quiz.id, minPercent: 80 } }, actor: 'lti:test', now: new Date() });
    expect(same.ruleChanged).toBe(false);
    const changed = await updateAchievement(ctx, { achievementId: achievement.id, changes: { ...base, rule: { kind: 'score', assignmentId: quiz.id, minPercent: 50 } }, actor: 'lti:test', now: new Date() });
    expect(changed).toEqual({ ruleChanged: true, version: same.version + 1 });
    expect(await ctx.queues.get('evaluate').getJob(`backfill-${achievement.id}-v${changed.version}`)).toBeDefined();
    expect((await listAudit(ctx.database.db, { courseId: course.id })).map((e) => e.action)).toEqual(expect.arrayContaining(['rule.changed', 'achievement.update']));
  });

  it('awards by hand only to learners of the course, and lets only the holder change visibility', async () => {
    const outsider = await upsertManualLearner(ctx.database.db, { email: 'out@example.edu' });
    expect(await codeOf(awardToRosterLearner(ctx, { achievementId: achievement.id, learnerId: outsider.id, actor: 'lti:test' }))).toBe('ERR_VALIDATION');
    const { award, created } = await awardToRosterLearner(ctx, { achievementId: achievement.id, learnerId: pass.id, actor: 'lti:test' });
    expect(created).toBe(true);
    expect(await codeOf(setAwardVisibility(ctx.database.db, { awardId: award.id, learnerId: outsider.id, visibility: 'private', actor: 'x' }))).toBe('ERR_NOT_FOUND');
    await setAwardVisibility(ctx.database.db, { awardId: award.id, learnerId: pass.id, visibility: 'private', actor: 'x' });
    expect((await sql<{ visibility: string }>`select visibility from awards where id = ${award.id}`.execute(ctx.database.db)).rows[0]!.visibility).toBe('private');
  });
});
