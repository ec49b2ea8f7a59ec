import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { agsResultsToEvents, applyEvent, pollCourseResults } from '../../src/events';
import { AgsClient, platformHttp } from '../../src/lti';
import { startPlatform, type Platform } from '../emulator';
import { createEventsTestContext, type EventsTestContext } from './support';

describe('agsResultsToEvents', () => {
  const lineItem = { id: 'https://lms/lineitems/12/lineitem?type_id=9', label: 'Capture Activity', scoreMaximum: 50, resourceId: '' };
  it('keys results by item, user and timestamp, skips ungraded, keeps the platform maximum', () => {
    const events = agsResultsToEvents({
      courseId: '00000000-0000-4000-8000-000000000001', lineItem, polledAt: new Date('2026-11-22T12:00:00Z'),
      results: [
        { userId: '4', resultScore: 35, resultMaximum: 50, timestamp: '2026-11-22T07:26:45+00:00' },
        { userId: '5', resultScore: null },
        { userId: '6', resultScore: 7 },
      ],
    });
    expect(events.map((e) => [e.externalId, e.occurredAt, e.scoreGiven, e.scoreMaximum])).toEqual([
      ['https://lms/lineitems/12/lineitem?type_id=9|4|2026-11-22T07:26:45+00:00', '2026-11-22T07:26:45.000Z', 35, 50],
      ['https://lms/lineitems/12/lineitem?type_id=9|6|score=7', '2026-11-22T12:00:00.000Z', 7, 50],
    ]);
    expect(events[0]).toMatchObject({ origin: 'ags', learner: { ltiUserId: '4' }, assignment: { sourceKey: `lti:${lineItem.id}`, externalId: lineItem.id, name: 'Capture Activity' } });
  });
});

describe('AGS results poller against the emulator (Moodle profile)', () => {
  let ctx: EventsTestContext;
  let moodle: Platform;

  beforeAll(async () => {
    ctx = await createEventsTestContext();
    moodle = await startPlatform({ profile: 'moodle' });
  });
  afterAll(async () => {
    await moodle.close();
    await ctx.close();
  });

  it('turns new results into score events once, and a regrade into one more', async () => {
    const { clientId } = moodle.addTool({ loginUrl: 'http://127.0.0.1:1/login', launchUrl: 'http://127.0.0.1:1/launch', jwksUrl: 'http://127.0.0.1:1/jwks' });
    const contextId = '2';
    const item = moodle.ags.createLineItem({ contextId, clientId, label: 'Quiz 2', scoreMaximum: 50 });
    const student = moodle.ltiUserId({ id: '4' });
    moodle.ags.setResult(item.id, { userId: student, scoreGiven: 7, scoreMaximum: 10 });

    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: moodle.issuer, clientId, name: 'Moodle', lms: 'moodle', authEndpoint: moodle.endpoints.auth, tokenEndpoint: moodle.endpoints.token, jwksUrl: moodle.endpoints.jwks });
    const lineItemsUrl = moodle.ags.url(clientId, contextId);
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: moodle.ltiContextId(contextId), title: 'LTI Lab', agsLineitemsUrl: lineItemsUrl });
    await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: student });
    const ags = new AgsClient({ http: platformHttp({ userAgent: 'Laurel test' }), tokens: { token: async (scopes) => moodle.issueAccessToken(clientId, [...scopes]) } });

    const first = await pollCourseResults({ ...ctx, ags }, { courseId: course.id, lineItemsUrl, now: new Date() });
    expect(first).toEqual({ lineItems: 1, results: 1, stored: 1 });
    expect(await pollCourseResults({ ...ctx, ags }, { courseId: course.id, lineItemsUrl, now: new Date() })).toMatchObject({ stored: 0 });

    const { rows } = await ctx.tdb.pool.query(`select id, status from score_events`);
    expect(rows).toEqual([{ id: expect.any(String), status: 'pending' }]);
    expect(await applyEvent(db, { eventId: rows[0].id })).toMatchObject({ kind: 'score', changed: true });
    // Moodle rescaled 7/10 to the item's 50: 35/50, the same 70%.
    const score = (await ctx.tdb.pool.query(`select score_given::float as given, score_maximum::float as max from learner_scores`)).rows[0];
    expect(score.given / score.max).toBeCloseTo(0.7);

    // A regrade one second later (Moodle refuses scores that are not newer) is one new event.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    moodle.ags.setResult(item.id, { userId: student, scoreGiven: 9, scoreMaximum: 10 });
    expect(await pollCourseResults({ ...ctx, ags }, { courseId: course.id, lineItemsUrl, now: new Date() })).toMatchObject({ stored: 1 });
  });
});
