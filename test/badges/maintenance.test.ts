import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { awardBadge, badgesDepsFor, createAchievement, runBadgesMaintenance } from '../../src/badges';
import { createTestContext, type TestContext } from '../support/context';

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

it('expires lapsed awards and re-enqueues signing of awards left unsigned', async () => {
  const deps = badgesDepsFor(ctx);
  const course = await createManualCourse(ctx.database.db, { title: 'Maintenance' });
  const achievement = await createAchievement(deps, { courseId: course.id, name: 'Short-lived', description: 'd', criteriaNarrative: 'c', validForDays: 1, actor: 'test' });
  const learner = await upsertManualLearner(ctx.database.db, { email: 'm@example.edu' });
  const other = await upsertManualLearner(ctx.database.db, { email: 'n@example.edu' });
  const t0 = new Date();
  const { award: lapsed } = await awardBadge({ ...deps, now: () => new Date(t0.getTime() - 2 * 86400_000) }, { achievementId: achievement.id, learnerId: learner.id, actor: 't', source: 'manual' });
  const { award: unsigned } = await awardBadge(deps, { achievementId: achievement.id, learnerId: other.id, actor: 't', source: 'manual' });

  // Just created: not yet considered lost.
  expect(await runBadgesMaintenance(ctx, { now: t0, pendingAfterMs: 60_000 })).toEqual({ expired: 1, requeued: 0 });
  const later = new Date(t0.getTime() + 120_000);
  expect(await runBadgesMaintenance(ctx, { now: later, pendingAfterMs: 60_000 })).toEqual({ expired: 0, requeued: 1 });
  expect((await ctx.queues.get('issue').getJob(unsigned.id))?.data).toEqual({ awardId: unsigned.id });
  expect(await ctx.queues.get('issue').getJob(lapsed.id)).toBeUndefined();
});
