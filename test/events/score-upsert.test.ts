import fc from 'fast-check';
import request from 'supertest';
import type { Express } from 'express';
import { createManualCourse } from '../../src/courses';
import { applyEvent, type IngestResult } from '../../src/events';
import { applyScoreEvents } from '../../src/events/apply-batch';
import { createToken } from '../../src/tokens';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

/**
 * The one score upsert (src/events/score-upsert.ts), through both of its callers: the one-event path
 * (`applyEvent`) and the batch path (`applyScoreEvents`). Whatever the delivery order and however the
 * events are cut into batches, both keep, per learner and assignment, the score with the newest
 * occurredAt, and on a tie the one delivered first.
 */

interface Delivery {
  learner: 'ada' | 'bob';
  given: number;
  /** Minutes after 10:00: few values, so ties are common. */
  minute: number;
}

describe('one newest-wins score upsert for the one-event and the batch path', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let token: string;
  let seq = 0;

  beforeAll(async () => {
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    token = (await createToken(ctx.database.db, { name: 'upsert', scopes: ['events'] })).token;
  });
  afterAll(() => ctx.close());

  const post = async (courseId: string, d: Delivery): Promise<string> => {
    const res = await request(app).post('/api/v1/events').set('Authorization', `Bearer ${token}`).send({
      id: `upsert-${++seq}`, courseId, learner: { email: `${d.learner}@example.com` }, assignment: { id: 'Q1' },
      scoreGiven: d.given, scoreMaximum: 100, occurredAt: new Date(Date.UTC(2026, 10, 20, 10, d.minute)).toISOString(),
    });
    expect(res.status).toBe(202);
    return (res.body as IngestResult).eventId!;
  };
  const scores = async (courseId: string): Promise<Record<string, number>> => {
    const { rows } = await ctx.tdb.pool.query(
      `select split_part(l.email, '@', 1) as learner, s.score_given::float as given from learner_scores s join learners l on l.id = s.learner_id where s.course_id = $1`,
      [courseId],
    );
    return Object.fromEntries(rows.map((r) => [r.learner, r.given]));
  };
  /** What newest-wins means: the greatest minute per learner, the first delivered among equals. */
  const expected = (deliveries: Delivery[]): Record<string, number> => {
    const best = new Map<string, Delivery>();
    for (const d of deliveries) if (!best.has(d.learner) || best.get(d.learner)!.minute < d.minute) best.set(d.learner, d);
    return Object.fromEntries([...best].map(([learner, d]) => [learner, d.given]));
  };
  /** Delivers to two fresh courses: one event at a time through applyEvent, and in `cuts` batches through applyScoreEvents. */
  const deliverBothWays = async (deliveries: Delivery[], cuts: number[]) => {
    const single = await createManualCourse(ctx.database.db, { title: `single ${seq}` });
    const batch = await createManualCourse(ctx.database.db, { title: `batch ${seq}` });
    for (const d of deliveries) {
      const id = await post(single.id, d);
      expect(await applyEvent(ctx.database.db, { eventId: id })).toMatchObject({ kind: 'score' });
    }
    const ids: string[] = [];
    for (const d of deliveries) ids.push(await post(batch.id, d));
    let from = 0;
    for (const to of [...cuts.filter((c) => c > 0 && c < ids.length).sort((a, b) => a - b), ids.length]) {
      if (to > from) await applyScoreEvents(ctx.database.db, { eventIds: ids.slice(from, to) });
      from = to;
    }
    return { single: await scores(single.id), batch: await scores(batch.id) };
  };

  it('keeps the newer score when an older event arrives later, on both paths (and in one batch)', async () => {
    const deliveries: Delivery[] = [{ learner: 'ada', given: 90, minute: 5 }, { learner: 'ada', given: 10, minute: 0 }];
    const apart = await deliverBothWays(deliveries, [1]);
    expect(apart).toEqual({ single: { ada: 90 }, batch: { ada: 90 } });
    const together = await deliverBothWays(deliveries, []);
    expect(together.batch).toEqual({ ada: 90 });
  });

  it('lets a newer event replace the stored score, on both paths', async () => {
    const result = await deliverBothWays([{ learner: 'bob', given: 40, minute: 0 }, { learner: 'bob', given: 70, minute: 9 }], [1]);
    expect(result).toEqual({ single: { bob: 70 }, batch: { bob: 70 } });
  });

  it('keeps the first of two events with the same occurredAt, delivered apart or in one batch', async () => {
    const deliveries: Delivery[] = [{ learner: 'ada', given: 55, minute: 3 }, { learner: 'ada', given: 66, minute: 3 }];
    expect(await deliverBothWays(deliveries, [1])).toEqual({ single: { ada: 55 }, batch: { ada: 55 } });
    expect((await deliverBothWays(deliveries, [])).batch).toEqual({ ada: 55 });
  });

  it('agrees with the newest-wins rule for any delivery order and any cut into batches', async () => {
    const delivery = fc.record({ learner: fc.constantFrom<'ada' | 'bob'>('ada', 'bob'), given: fc.integer({ min: 0, max: 100 }), minute: fc.integer({ min: 0, max: 3 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(delivery, { minLength: 1, maxLength: 6 }), fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 3 }), async (deliveries, cuts) => {
        const result = await deliverBothWays(deliveries, cuts);
        expect(result.single).toEqual(expected(deliveries));
        expect(result.batch).toEqual(expected(deliveries));
      }),
      { numRuns: 12 },
    );
  }, 120_000);
});
