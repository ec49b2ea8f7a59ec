import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { parseCanvasEvent, settleLaunch, storeEvent, type NormalisedEvent } from '../../src/events';
import { unparkEvents } from '../../src/events/inbox';
import { projectRoot } from '../../src/paths';
import { createEventsTestContext, type EventsTestContext } from './support';

const sharedDir = join(projectRoot, '..', 'shared', 'fixtures', 'canvas');
const haveShared = existsSync(sharedDir);
if (!haveShared) console.warn(`SKIP launch settling with Canvas fixtures: ${sharedDir} is absent`);

/**
 * The launch that makes a Canvas course and learner known applies their parked Live Events before
 * its page renders, and only theirs: other learners' parked events wait for their own launch.
 */
(haveShared ? describe : describe.skip)('settling a launch (Canvas ids: global in events, local in launches)', () => {
  let ctx: EventsTestContext;
  beforeAll(async () => {
    ctx = await createEventsTestContext();
  });
  afterAll(() => ctx.close());

  const gradeChange = (): NormalisedEvent => {
    const parsed = parseCanvasEvent(JSON.parse(readFileSync(join(sharedDir, 'grade_change.canvas.example.json'), 'utf8')));
    if (parsed.kind !== 'event') throw new Error('expected an event');
    return parsed.event;
  };

  it('applies the launching learner\'s parked grade (global id 21070000000000048, launch local id 48), not another\'s', async () => {
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://canvas.instructure.com', clientId: '10000000000360', name: 'Canvas', lms: 'canvas', authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token', jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks' });
    const mine = gradeChange();
    // Another learner of the same course, graded too, who has not launched.
    const other = { ...mine, externalId: `${mine.externalId}-other`, learner: { lmsUserId: '21070000000000049' } } as NormalisedEvent;
    const stored = await storeEvent(db, { scope: 'canvas-src', sourceId: null, platformId: platform.id, event: mine });
    const otherStored = await storeEvent(db, { scope: 'canvas-src', sourceId: null, platformId: platform.id, event: other });
    expect([stored.status, otherStored.status]).toEqual(['parked', 'parked']);

    // The launch records the course (local id 565 through the custom parameter) and the learner (local 48).
    const course = await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: 'f'.repeat(40), title: 'Canvas course', lmsCourseId: '565' });
    const learner = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'a1b2c3d4-0000-4000-8000-000000000048', lmsUserId: '48' });
    const result = await settleLaunch(ctx, { platformId: platform.id, courseId: course.id, learnerId: learner.id });
    expect(result).toMatchObject({ fetched: null, unparked: 1, applied: 1 });
    const { rows } = await sql<{ external_id: string; status: string }>`select external_id, status from score_events order by external_id`.execute(db);
    expect(rows.map((r) => r.status)).toEqual(['processed', 'parked']);
    const scores = await sql<{ score_given: string; source_key: string }>`select s.score_given, a.source_key from learner_scores s join assignments a on a.id = s.assignment_id where s.learner_id = ${learner.id}`.execute(db);
    expect(scores.rows).toEqual([{ score_given: '5', source_key: 'canvas:21070000000000355' }]);

    // The filtered re-map leaves the other learner's event parked; the unfiltered sweep would find nothing new either.
    expect(await unparkEvents(db, { platformId: platform.id, only: { lmsCourseIds: [], lmsUserIds: ['50'] } })).toEqual([]);
  });
});
