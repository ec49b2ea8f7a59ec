import { createManualCourse } from '../../src/courses';
import { relayStalledEvents, storeEvent, type ScoreEvent } from '../../src/events';
import { createEventsTestContext, type EventsTestContext } from './support';

describe('relay of accepted but unqueued events', () => {
  let ctx: EventsTestContext;
  beforeAll(async () => {
    ctx = await createEventsTestContext();
  });
  afterAll(() => ctx.close());

  it('re-enqueues pending events older than the grace period, once each', async () => {
    const course = await createManualCourse(ctx.database.db, { title: 'Relay course' });
    const event: ScoreEvent = {
      type: 'score', origin: 'api', externalId: 'relay-1', occurredAt: '2026-11-20T10:00:00.000Z', course: { courseId: course.id },
      learner: { email: 'relay@example.com' }, assignment: { sourceKey: 'api:A1', externalId: 'A1' }, scoreGiven: 1, scoreMaximum: 1, excused: false, missing: false,
    };
    // Stored as during a Redis outage: committed, never queued.
    const stored = await storeEvent(ctx.database.db, { scope: 'api', sourceId: null, platformId: null, event });
    expect(stored.status).toBe('pending');
    const now = new Date();
    expect(await relayStalledEvents(ctx, { now, graceMs: 60_000, batch: 100 })).toBe(0);
    expect(await relayStalledEvents(ctx, { now: new Date(now.getTime() + 120_000), graceMs: 60_000, batch: 100 })).toBe(1);
    expect(await ctx.queues.get('evaluate').getJob(`event-${stored.eventId}`)).toBeDefined();
    // A second scan adds no second job (jobId = event id).
    await relayStalledEvents(ctx, { now: new Date(now.getTime() + 120_000), graceMs: 60_000, batch: 100 });
    expect(await ctx.queues.get('evaluate').getJobCounts('waiting')).toMatchObject({ waiting: 1 });
  });
});
