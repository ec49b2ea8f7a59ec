import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import request from 'supertest';
import type { Express } from 'express';
import { upsertLtiCourse, upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { applyEvent, createEventSource, type EventSource } from '../../src/events';
import { createEventsTestContext, eventsApp, type EventsTestContext } from './support';

interface CapturedRequest {
  url: string;
  headers: string[];
  body: string;
}

const havePhp = spawnSync('php', ['--version']).status === 0;
if (!havePhp) console.warn('SKIP Moodle plugin round trip: php is not installed (npm run setup installs it)');
const describePhp = havePhp ? describe : describe.skip;

/**
 * Runs the plugin's real PHP (observer -> payload -> ad-hoc delivery task, Moodle APIs stubbed in
 * test/events/moodle-php) and replays the exact requests it would send against Laurel's route.
 */
describePhp('the Moodle plugin against the Moodle route', () => {
  let ctx: EventsTestContext;
  let app: Express;
  let source: EventSource;
  let requests: CapturedRequest[];

  beforeAll(async () => {
    ctx = await createEventsTestContext();
    app = eventsApp(ctx);
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'http://127.0.0.1:8080', clientId: 'WH5GWy76UFHzIm6', name: 'Moodle', lms: 'moodle', authEndpoint: 'http://127.0.0.1:8080/mod/lti/auth.php', tokenEndpoint: 'http://127.0.0.1:8080/mod/lti/token.php', jwksUrl: 'http://127.0.0.1:8080/mod/lti/certs.php' });
    // What a Moodle launch records: context id = course id "2", sub = user id "4".
    await upsertLtiCourse(db, { platformId: platform.id, deploymentRowId: null, contextId: '2', title: 'LTI Lab Course' });
    await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: '4' });
    source = await createEventSource(db, { kind: 'moodle', platformId: platform.id });
    const out = execFileSync('php', [join(__dirname, 'moodle-php', 'harness.php')], {
      env: { ...process.env, LAUREL_URL: 'https://laurel.example/', LAUREL_SOURCE: source.id, LAUREL_SECRET: source.secret! },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    requests = JSON.parse(out.toString('utf8')) as CapturedRequest[];
  });
  afterAll(() => ctx.close());

  const replay = (captured: CapturedRequest, change: { body?: string; headers?: Record<string, string> } = {}) => {
    const req = request(app).post(new URL(captured.url).pathname);
    for (const line of captured.headers) {
      const [name, ...rest] = line.split(':');
      req.set(name!, rest.join(':').trim());
    }
    for (const [name, value] of Object.entries(change.headers ?? {})) req.set(name, value);
    return req.send(change.body ?? captured.body);
  };

  it('posts to /events/moodle/<source id> with the timestamp and signature headers', () => {
    expect(requests).toHaveLength(3);
    expect(new URL(requests[0]!.url).pathname).toBe(`/events/moodle/${source.id}`);
    expect(requests[0]!.headers).toEqual(expect.arrayContaining([expect.stringMatching(/^X-Laurel-Timestamp: \d+$/), expect.stringMatching(/^X-Laurel-Signature: sha256=[0-9a-f]{64}$/)]));
  });

  it('has user_graded accepted, mapped through the launch ids, and applied as 35/50', async () => {
    const res = await replay(requests[0]!);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ accepted: true, duplicate: false, status: 'pending' });
    const outcome = await applyEvent(ctx.database.db, { eventId: res.body.eventId });
    expect(outcome.kind).toBe('score');
    const { rows } = await ctx.tdb.pool.query(`select s.score_given::float as given, s.score_maximum::float as max, a.name, a.source_key from learner_scores s join assignments a on a.id = s.assignment_id`);
    expect(rows).toEqual([{ given: 35, max: 50, name: 'Capture Activity', source_key: 'moodle:mod:lti:10:0' }]);
    // A retry of the same task (same body, fresh signature) is a duplicate.
    expect((await replay(requests[0]!)).body).toMatchObject({ duplicate: true });
  });

  it('applies module creation and deletion to the same assignment', async () => {
    for (const captured of requests.slice(1)) {
      const res = await replay(captured);
      expect(res.status).toBe(202);
      expect(await applyEvent(ctx.database.db, { eventId: res.body.eventId })).toMatchObject({ kind: 'assignment' });
    }
    const { rows } = await ctx.tdb.pool.query(`select name, deleted_at is not null as deleted from assignments where source_key = 'moodle:mod:lti:10:0'`);
    expect(rows).toEqual([{ name: 'Capture Activity', deleted: true }]);
  });

  it('refuses the plugin request with a changed body, a wrong signature or a stale timestamp', async () => {
    const tampered = requests[0]!.body.replace('"finalgrade":35', '"finalgrade":50');
    expect(tampered).not.toBe(requests[0]!.body);
    const changed = await replay(requests[0]!, { body: tampered });
    expect([changed.status, changed.body.code]).toEqual([401, 'ERR_EVENT_SIGNATURE']);
    const forged = await replay(requests[0]!, { headers: { 'X-Laurel-Signature': `sha256=${'0'.repeat(64)}` } });
    expect([forged.status, forged.body.code]).toEqual([401, 'ERR_EVENT_SIGNATURE']);
    // The same signature with another timestamp no longer matches; a correctly signed old one is stale.
    const moved = await replay(requests[0]!, { headers: { 'X-Laurel-Timestamp': String(Math.floor(Date.now() / 1000) - 3600) } });
    expect([moved.status, moved.body.code]).toEqual([401, 'ERR_EVENT_SIGNATURE']);
  });
});
