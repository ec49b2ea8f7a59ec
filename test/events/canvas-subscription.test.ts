import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { clearEventSourceCache, configureCanvasJwks, createEventSource, subscribeLiveEvents, type EventSource } from '../../src/events';
import { LaurelError } from '../../src/errors';
import { startPlatform, type Platform } from '../emulator';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

const gradeChange = (score: number, time: string) => ({
  metadata: { event_name: 'grade_change', event_time: time, context_type: 'Course', context_id: '21070000000000565', root_account_uuid: 'x' },
  body: { submission_id: '21070000000000048', assignment_id: '21070000000000355', user_id: '21070000000000004', student_id: '21070000000000004', score, points_possible: 10, grade: String(score), muted: false },
});

/** Subscribes through the emulator's Data Services API, then has the emulator deliver signed Live Events to Laurel. */
describe('Canvas Live Events subscription and signed delivery (emulator)', () => {
  let ctx: EventsTestContext;
  let canvas: Platform;
  let server: Server;
  let laurelUrl: string;
  let source: EventSource;
  let clientId: string;

  beforeAll(async () => {
    configureCanvasJwks({ cooldownMs: 0 });
    ctx = await createEventsTestContext();
    canvas = await startPlatform({ profile: 'canvas' });
    clientId = canvas.addTool({ loginUrl: 'http://127.0.0.1:1/login', launchUrl: 'http://127.0.0.1:1/launch', jwksUrl: 'http://127.0.0.1:1/jwks' }).clientId;
    server = createServer(eventsApp(ctx));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    laurelUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: canvas.issuer, clientId, name: 'Canvas (emulator)', lms: 'canvas', authEndpoint: canvas.endpoints.auth, tokenEndpoint: canvas.endpoints.token, jwksUrl: canvas.endpoints.jwks });
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: 'ctx', title: 'Course', lmsCourseId: '565' });
    await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: 'sub-4', lmsUserId: '4' });
    source = await createEventSource(db, { kind: 'canvas', platformId: platform.id, jwksUrl: canvas.dataServices.jwksUrl });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await canvas.close();
    await ctx.close();
    configureCanvasJwks({});
    clearEventSourceCache();
  });

  const deps = () => ({ http: (url: string, init?: RequestInit) => fetch(url, init), tokens: { token: async (scopes: readonly string[]) => canvas.issueAccessToken(clientId, [...scopes]) } });

  it('creates the subscription once, then Canvas-signed grade changes are stored and mapped', async () => {
    const props = { apiBase: canvas.url, accountId: canvas.ltiContextId('1'), deliveryUrl: `${laurelUrl}/events/canvas/${source.id}` };
    const first = await subscribeLiveEvents(deps(), props);
    expect(first.created).toBe(true);
    expect(first.subscription).toMatchObject({ State: 'Active', Format: 'live-event', EventTypes: expect.arrayContaining(['grade_change', 'assignment_updated']) });
    const second = await subscribeLiveEvents(deps(), props);
    expect(second).toMatchObject({ created: false, subscription: { Id: first.subscription.Id } });
    expect(canvas.dataServices.subscriptions()).toHaveLength(1);

    const [delivery] = await canvas.dataServices.deliver(gradeChange(7, '2026-11-22T10:00:00.000Z'));
    expect(delivery?.status).toBe(202);
    expect(JSON.parse(delivery!.body)).toMatchObject({ accepted: true, duplicate: false, status: 'pending' });

    // Canvas rotates its Live Events key monthly: the new kid is fetched on first sight.
    await canvas.dataServices.rotateKey();
    const [rotated] = await canvas.dataServices.deliver(gradeChange(9, '2026-11-22T11:00:00.000Z'));
    expect(rotated?.status).toBe(202);

    const { rows } = await ctx.tdb.pool.query(`select status, learner_id is not null as mapped from score_events order by occurred_at`);
    expect(rows).toEqual([{ status: 'pending', mapped: true }, { status: 'pending', mapped: true }]);
  });

  it('says which scopes are missing when Canvas refuses the token', async () => {
    const refusing = { ...deps(), tokens: { token: async () => canvas.issueAccessToken(clientId, ['https://purl.imsglobal.org/spec/lti-ags/scope/score']) } };
    const error = await subscribeLiveEvents(refusing, { apiBase: canvas.url, accountId: 'x', deliveryUrl: `${laurelUrl}/events/canvas/${source.id}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LaurelError);
    expect((error as LaurelError).code).toBe('ERR_FORBIDDEN');
  });
});
