import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { awardBadge, badgesDepsFor, createAchievement, onAwardRevoked, revokeAward } from '../../src/badges';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { carry, dispatchJobId, installSubscriptions, publish, record, relayOutbox, Subscriptions, type CarryDeps, type DomainEvent } from '../../src/domain-events';
import { createRedis, Queues, startWorkers, type WorkerHost } from '../../src/queue';
import { createTestContext, type TestContext } from '../support/context';

/**
 * The outbox on the real PostgreSQL and Redis: an event exists if and only if its owner's transaction
 * committed, is carried to the notify queue after the commit or by the relay when that did not happen,
 * and reaches every subscriber as its own job (a failing one does not hold back the others).
 */
jest.setTimeout(60_000);

let ctx: TestContext;
let deps: CarryDeps;
let workers: WorkerHost;
const delivered: { subscriber: string; awardId: string }[] = [];
const flakyTries: string[] = [];

const subscriptions = new Subscriptions()
  .subscribe('award.revoked', 'steady', async (award) => void delivered.push({ subscriber: 'steady', awardId: award.awardId }))
  .subscribe('award.revoked', 'flaky', async (award) => {
    flakyTries.push(award.awardId);
    throw new Error('the LMS is down');
  }, { attempts: 2, backoff: { type: 'fixed', delay: 10 } })
  .subscribe('award.made', 'steady', async (award) => void delivered.push({ subscriber: 'made', awardId: award.awardId }));

const revoked = (): DomainEvent => ({ name: 'award.revoked', payload: { awardId: randomUUID(), courseId: randomUUID(), learnerId: randomUUID() } });
const outboxRows = async () => (await sql<{ name: string; job_id: string }>`select name, job_id from domain_event_outbox`.execute(ctx.database.db)).rows;
const deliveredTo = (awardId: string) => delivered.filter((d) => d.awardId === awardId).map((d) => d.subscriber);

async function eventually<T>(probe: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  ctx = await createTestContext();
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  deps = { db: ctx.database.db, queues: ctx.queues, logger: ctx.logger };
  workers = startWorkers(ctx, { jobs: subscriptions.jobs(), concurrency: 4 });
});
afterAll(async () => {
  await workers?.close(5000);
  await ctx?.close();
});
beforeEach(async () => {
  await sql`delete from domain_event_outbox`.execute(ctx.database.db);
});

describe('publishing in a transaction', () => {
  it('never delivers an event whose transaction rolled back, even through the relay', async () => {
    const event = revoked();
    await expect(
      ctx.database.db.transaction().execute(async (trx) => {
        await record(trx, [event]);
        expect((await sql<{ n: number }>`select count(*)::int as n from domain_event_outbox`.execute(trx)).rows[0]!.n).toBe(1);
        throw new Error('the owner failed after publishing');
      }),
    ).rejects.toThrow('the owner failed after publishing');
    expect(await outboxRows()).toEqual([]);
    expect(await relayOutbox(deps, { now: new Date(Date.now() + 3_600_000), graceMs: 0, batch: 100 })).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await ctx.queues.get('notify').getJob(dispatchJobId(event))).toBeUndefined();
    expect(deliveredTo(event.payload.awardId)).toEqual([]);
  });

  it('delivers a committed event whose process died before the queue add: the relay carries it', async () => {
    const event = revoked();
    // Committed, then "the process dies": no carry.
    await ctx.database.db.transaction().execute((trx) => record(trx, [event]));
    expect(await outboxRows()).toEqual([{ name: 'award.revoked', job_id: dispatchJobId(event) }]);
    // Not carried before its grace period has passed (the publisher may still be carrying it).
    expect(await relayOutbox(deps, { now: new Date(), graceMs: 60_000, batch: 100 })).toBe(0);
    expect(await relayOutbox(deps, { now: new Date(Date.now() + 1000), graceMs: 0, batch: 100 })).toBe(1);
    expect(await outboxRows()).toEqual([]);
    await eventually(async () => deliveredTo(event.payload.awardId).includes('steady'), 'the relayed event delivered');
  });

  it('keeps the event when Redis refuses the carry after the commit, and the relay delivers it later', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
    const deadQueues = new Queues({ connection: deadRedis, prefix: ctx.config.QUEUE_PREFIX });
    try {
      const event = revoked();
      const recorded = await ctx.database.db.transaction().execute((trx) => record(trx, [event]));
      // The owner's change stands: carry never throws, it leaves the row to the relay.
      expect(await carry({ ...deps, queues: deadQueues }, recorded)).toBe(0);
      expect(await outboxRows()).toHaveLength(1);
      expect(await relayOutbox(deps, { now: new Date(Date.now() + 1000), graceMs: 0, batch: 100 })).toBe(1);
      await eventually(async () => deliveredTo(event.payload.awardId).includes('steady'), 'the event delivered after Redis came back');
    } finally {
      // Not deadQueues.close(): BullMQ would wait for a connection that never comes.
      deadRedis.disconnect();
    }
  });
});

describe('delivery', () => {
  it('gives each subscriber its own job and retries: one failing subscriber does not block another', async () => {
    const event = revoked();
    await publish(deps, [event]);
    expect(await outboxRows()).toEqual([]);
    await eventually(async () => deliveredTo(event.payload.awardId).includes('steady'), 'the steady subscriber');
    const letter = await eventually(
      async () => (await sql<{ job_name: string; job_id: string; attempts: number; reason: string }>`select job_name, job_id, attempts, reason from dead_letters where job_id = ${`${dispatchJobId(event)}-flaky`}`.execute(ctx.database.db)).rows[0],
      'the flaky subscriber dead-lettered',
    );
    expect(letter).toEqual({ job_name: 'award.revoked.flaky', job_id: `${dispatchJobId(event)}-flaky`, attempts: 2, reason: 'the LMS is down' });
    expect(flakyTries.filter((id) => id === event.payload.awardId)).toHaveLength(2);
    expect(deliveredTo(event.payload.awardId)).toEqual(['steady']);
  });

  it('carries a fact published twice once (job id per event and subject)', async () => {
    const event = revoked();
    await publish(deps, [event]);
    await eventually(async () => deliveredTo(event.payload.awardId).includes('steady'), 'the first delivery');
    await publish(deps, [event]);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(deliveredTo(event.payload.awardId)).toEqual(['steady']);
  });

  it("with the root's subscriptions installed, carries straight to each subscriber's job (no dispatch hop)", async () => {
    installSubscriptions(subscriptions);
    try {
      const event = revoked();
      await publish(deps, [event]);
      await eventually(async () => deliveredTo(event.payload.awardId).includes('steady'), 'the direct delivery');
      const notify = ctx.queues.get('notify');
      expect(await notify.getJob(dispatchJobId(event))).toBeUndefined();
      expect((await notify.getJob(`${dispatchJobId(event)}-steady`))?.name).toBe('award.revoked.steady');
      // The same ids as the dispatch path: a relay or a dispatch job of the same event adds nothing.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(deliveredTo(event.payload.awardId)).toEqual(['steady']);
    } finally {
      installSubscriptions(undefined);
    }
  });

  it("with subscriptions installed, records no row for an event none of them wants (their `when`), and still records the rest", async () => {
    const picky = new Subscriptions().subscribe('award.made', 'chains', async () => undefined, undefined, { when: (made) => made.badgeRulesEvaluated !== true });
    installSubscriptions(picky);
    try {
      const made = (evaluated: boolean): DomainEvent => ({
        name: 'award.made', payload: { awardId: randomUUID(), achievementId: randomUUID(), courseId: randomUUID(), learnerId: randomUUID(), ...(evaluated ? { badgeRulesEvaluated: true as const } : {}) },
      });
      const [skipped, wanted] = [made(true), made(false)];
      const recorded = await ctx.database.db.transaction().execute((trx) => record(trx, [skipped, wanted, revoked()]));
      // award.revoked has no subscriber in `picky` either: not written.
      expect(recorded.rows.map((r) => r.job_id)).toEqual([dispatchJobId(wanted)]);
      expect(await outboxRows()).toEqual([{ name: 'award.made', job_id: dispatchJobId(wanted) }]);
    } finally {
      installSubscriptions(undefined);
    }
  });

  it('publish (for a publisher whose retry is the durability) throws when Redis refuses, and leaves no row', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
    try {
      await expect(publish({ ...deps, queues: new Queues({ connection: deadRedis, prefix: ctx.config.QUEUE_PREFIX }) }, [revoked()])).rejects.toThrow();
      expect(await outboxRows()).toEqual([]);
    } finally {
      deadRedis.disconnect();
    }
  });

  it('refuses to record an unknown event, inside the transaction', async () => {
    await expect(ctx.database.db.transaction().execute((trx) => record(trx, [{ name: 'award.deleted', payload: {} } as unknown as DomainEvent]))).rejects.toThrow('Unknown domain event: award.deleted');
    expect(await outboxRows()).toEqual([]);
  });
});

describe('badges as the owner', () => {
  async function anAward() {
    const course = await createManualCourse(ctx.database.db, { title: `Course ${randomUUID().slice(0, 6)}` });
    const achievement = await createAchievement(badgesDepsFor(ctx), { courseId: course.id, name: 'Lab Safety', description: 'Knows the rules.', criteriaNarrative: 'Pass the quiz.', actor: 'test' });
    const learner = await upsertManualLearner(ctx.database.db, { email: `l${randomUUID().slice(0, 8)}@example.edu`, name: 'Ada' });
    return awardBadge(badgesDepsFor(ctx), { achievementId: achievement.id, learnerId: learner.id, actor: 'test', source: 'manual' });
  }

  it('publishes award.made with the award and carries it after the commit', async () => {
    const { award, created } = await anAward();
    expect(created).toBe(true);
    expect(await outboxRows()).toEqual([]);
    await eventually(async () => deliveredTo(award.id).includes('made'), 'award.made delivered');
    const job = await ctx.queues.get('notify').getJob(`award-made-${award.id}`);
    expect(job?.name).toBe('award.made');
    expect(job?.data).toEqual({ awardId: award.id, achievementId: award.achievement_id, courseId: award.course_id, learnerId: award.learner_id });
  });

  it('a revocation whose transaction fails publishes nothing and revokes nothing', async () => {
    const { award } = await anAward();
    let failing = true;
    // An in-transaction participant (as the wallet copies are) failing rolls the whole revocation back.
    onAwardRevoked(async () => {
      if (failing) throw new Error('holder copies could not be revoked');
    });
    await expect(revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: 'test', actor: 'test' })).rejects.toThrow('holder copies could not be revoked');
    const status = (await sql<{ status: string }>`select status from awards where id = ${award.id}`.execute(ctx.database.db)).rows[0]!.status;
    expect(status).toBe('issued');
    expect(await outboxRows()).toEqual([]);
    expect(await ctx.queues.get('notify').getJob(`award-revoked-${award.id}`)).toBeUndefined();

    failing = false;
    await revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: 'test', actor: 'test' });
    await eventually(async () => deliveredTo(award.id).includes('steady'), 'award.revoked delivered');
  });
});
