import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createEventSource, signMoodleBody, type EventSource } from '../../src/events';
import { EVENT_BODY_LIMITS } from '../../src/events/web/router';
import { createEventsTestContext, eventsApp, type EventsTestContext } from '../events/support';
import { record } from './summary';

jest.setTimeout(60_000);

const SECRET = 'moodle-shared-secret-0123456789';

// Issue 15 attack suite: Moodle webhook deliveries that must be refused with a 4xx problem document.
describe('webhooks: forged, replayed and malformed deliveries are refused', () => {
  let ctx: EventsTestContext;
  let source: EventSource;
  // The plugin's real payload (test/events/fixtures), with a distinct event id per case.
  const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'events', 'fixtures', 'moodle-user_graded.json'), 'utf8')) as Record<string, unknown>;
  const event = (id: string) => JSON.stringify({ ...fixture, id });
  beforeAll(async () => {
    ctx = await createEventsTestContext();
    source = await createEventSource(ctx.database.db, { kind: 'moodle', secret: SECRET });
  });
  afterAll(() => ctx.close());

  const deliver = (body: string | Buffer, headers: Record<string, string>) =>
    request(eventsApp(ctx)).post(`/events/moodle/${source.id}`).set('Content-Type', 'application/json').set(headers).serialize((raw: unknown) => raw as string).send(body as unknown as string);
  const signed = (body: string | Buffer, props: { secret?: string; timestamp?: number } = {}) => {
    const timestamp = props.timestamp ?? Math.floor(Date.now() / 1000);
    return { 'X-Laurel-Timestamp': String(timestamp), 'X-Laurel-Signature': signMoodleBody({ secret: props.secret ?? source.secret!, timestamp, body }) };
  };

  it('refuses each attack with the right 4xx problem, and accepts the honest delivery', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Each malformed body is otherwise a valid plugin event, so only the strict reading refuses it.
    const withExtra = (id: string, extra: string) => event(id).replace(/}$/, `,${extra}}`);
    const invalidUtf8 = (() => {
      const text = withExtra('u1', '"note":"XX"');
      const at = Buffer.from(text).indexOf('XX');
      const bytes = Buffer.from(text);
      bytes[at] = 0xc3; bytes[at + 1] = 0x28; // an invalid two-byte sequence
      return bytes;
    })();
    const cases: Array<{ name: string; body: string | Buffer; headers?: Record<string, string>; status: number; code: string }> = [
      { name: 'replay outside the time window', body: event('r1'), headers: signed(event('r1'), { timestamp: now - 3600 }), status: 401, code: 'ERR_EVENT_STALE' },
      { name: 'timestamp from the future', body: event('r2'), headers: signed(event('r2'), { timestamp: now + 3600 }), status: 401, code: 'ERR_EVENT_STALE' },
      { name: 'wrong secret', body: event('w1'), headers: signed(event('w1'), { secret: 'not-the-secret' }), status: 401, code: 'ERR_EVENT_SIGNATURE' },
      { name: 'empty secret', body: event('w2'), headers: signed(event('w2'), { secret: '' }), status: 401, code: 'ERR_EVENT_SIGNATURE' },
      { name: 'no signature', body: event('w3'), headers: {}, status: 401, code: 'ERR_EVENT_SIGNATURE' },
      { name: 'signature of another body', body: event('w4'), headers: signed(event('w5')), status: 401, code: 'ERR_EVENT_SIGNATURE' },
      { name: 'body larger than the limit', body: 'x'.repeat(Number(String(EVENT_BODY_LIMITS.moodle).replace(/kb$/i, '')) * 1024 + 1024), headers: {}, status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' },
      { name: 'duplicate keys (signed)', body: withExtra('d1', '"id":"d2"'), status: 400, code: 'ERR_EVENT_MALFORMED' },
      { name: 'deep nesting (signed)', body: withExtra('deep1', `"extra":${'['.repeat(5000)}${']'.repeat(5000)}`), status: 400, code: 'ERR_EVENT_MALFORMED' },
      { name: 'NUL in a string (signed)', body: event('n\u00001'), status: 400, code: 'ERR_EVENT_MALFORMED' },
      { name: 'invalid UTF-8 (signed)', body: invalidUtf8, status: 400, code: 'ERR_EVENT_MALFORMED' },
    ];
    const failures: string[] = [];
    for (const c of cases) {
      const res = await deliver(c.body, c.headers ?? signed(c.body));
      const problem = res.headers['content-type']?.startsWith('application/problem+json');
      if (res.status !== c.status || res.body.code !== c.code || !problem) failures.push(`${c.name}: ${res.status} ${res.body.code} (${res.headers['content-type']})`);
    }
    const honest = await deliver(event('ok-1'), signed(event('ok-1')));
    if (honest.status !== 202) failures.push(`honest delivery: ${honest.status} ${honest.text}`);
    record('webhooks', { tried: cases.length + 1, refused: cases.length + 1 - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  });
});
