import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
// The worker role's view of the root: its job list. Nothing here builds the web app or a router.
import { jobs } from '../../src/app';
import { awardBadge, badgesDepsFor, createAchievement, revokeAward } from '../../src/badges';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { allocateStatusEntry, ensureDefaultIssuer, getStatusList } from '../../src/credentials';
import { isLaurelError } from '../../src/errors';
import { createTestContext, type TestContext } from '../support/context';

/**
 * A worker-only process registers what the web process does: the subscribers' jobs, and the wallet
 * port that revokes holder-bound copies inside the revocation's transaction (it used to be registered
 * only by the wallets router, which a worker never builds).
 */
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
});
afterAll(() => ctx?.close());

async function anAward() {
  const course = await createManualCourse(ctx.database.db, { title: 'Chemistry' });
  const achievement = await createAchievement(badgesDepsFor(ctx), { courseId: course.id, name: 'Lab Safety', description: 'Knows the rules.', criteriaNarrative: 'Pass the quiz.', actor: 'test' });
  const learner = await upsertManualLearner(ctx.database.db, { email: `l${randomUUID().slice(0, 8)}@example.edu`, name: 'Ada' });
  return (await awardBadge(badgesDepsFor(ctx), { achievementId: achievement.id, learnerId: learner.id, actor: 'test', source: 'manual' })).award;
}

async function holderCopy(awardId: string, status: { listId: string; index: number }) {
  await sql`insert into holder_credentials (id, award_id, holder_id, format, jws, status_list_id, status_index)
    values (${randomUUID()}, ${awardId}, 'did:key:z6Mktest', 'jwt_vc_json', 'x.y.z', ${status.listId}, ${status.index})`.execute(ctx.database.db);
}

it('lists every domain event job and subscriber job', () => {
  const names = jobs.map((j) => j.name);
  for (const name of ['award.made', 'credential.issued', 'award.revoked', 'award.expired', 'award.made.badge-rules', 'credential.issued.email', 'credential.issued.gradebook', 'award.revoked.gradebook', 'award.expired.gradebook']) {
    expect(names).toContain(name);
  }
  expect(names).not.toContain('badges.after-issue');
  expect(new Set(names).size).toBe(names.length);
});

it('revokes the holder-bound copy in the same commit as the award', async () => {
  const issuer = await ensureDefaultIssuer(ctx.database.db, ctx.config);
  const entry = await allocateStatusEntry(ctx.database.db, issuer.id, ctx.config);
  const award = await anAward();
  await holderCopy(award.id, { listId: entry.listId, index: entry.statusListIndex });
  const bit = async () => {
    const list = await getStatusList(ctx.database.db, entry.listId);
    return ((list!.bits[Math.floor(entry.statusListIndex / 8)]! >> (7 - (entry.statusListIndex % 8))) & 1) === 1;
  };
  expect(await bit()).toBe(false);
  await revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: 'mistake', actor: 'test' });
  expect(await bit()).toBe(true);
});

it('a copy that cannot be revoked keeps the award unrevoked (one transaction)', async () => {
  const award = await anAward();
  await holderCopy(award.id, { listId: randomUUID(), index: 3 });
  const error = await revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: 'mistake', actor: 'test' }).catch((e: unknown) => e);
  expect(isLaurelError(error, 'ERR_NOT_FOUND')).toBe(true);
  const row = (await sql<{ status: string }>`select status from awards where id = ${award.id}`.execute(ctx.database.db)).rows[0]!;
  expect(row.status).toBe('issued');
  expect((await sql<{ n: number }>`select count(*)::int as n from domain_event_outbox where name = 'award.revoked' and payload->>'awardId' = ${award.id}`.execute(ctx.database.db)).rows[0]!.n).toBe(0);
});
