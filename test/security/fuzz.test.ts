import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { createEventSource, signMoodleBody, type EventSource } from '../../src/events';
import { gradebookToEvents } from '../../src/events/sources/gradebook';
import { parseStrictJson } from '../../src/events/strict-json';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { record } from './summary';

jest.setTimeout(300_000);

/**
 * Issue 15: property-based fuzz of every public parser through the real app, with a fixed seed so a
 * failure reproduces: no crash, no 500, and every refusal a 4xx RFC 9457 problem document.
 * FUZZ_RUNS overrides the number of cases (default 2000 per parser).
 */
const SEED = 15;
const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);

describe('fuzz: public parsers answer 4xx problems, never 5xx', () => {
  let ctx: TestContext;
  let server: Server;
  let base: string;
  let source: EventSource;
  let token: string;
  let courseId: string;
  beforeAll(async () => {
    ctx = await createTestContext({ RATE_LIMIT_PER_MINUTE: '1000000', LOG_LEVEL: 'silent' });
    const app = await createApp(ctx);
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    source = await createEventSource(ctx.database.db, { kind: 'moodle', secret: 'fuzz-shared-secret-0123456789' });
    token = (await createToken(ctx.database.db, { name: 'fuzz', scopes: ['admin'] })).token;
    courseId = (await (await fetch(`${base}/api/v1/courses`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"title":"Fuzz"}' })).json() as { id: string }).id;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await ctx.close();
  });

  /** Checks one answer; returns a failure line or undefined. */
  async function judge(what: string, response: Response): Promise<string | undefined> {
    const text = await response.text();
    if (response.status >= 500) return `${what}: ${response.status} ${text.slice(0, 200)}`;
    if (response.status >= 400) {
      if (!response.headers.get('content-type')?.startsWith('application/problem+json')) return `${what}: ${response.status} without a problem document (${response.headers.get('content-type')})`;
      const problem = JSON.parse(text) as { status?: number; code?: string };
      if (problem.status !== response.status || typeof problem.code !== 'string') return `${what}: malformed problem ${text.slice(0, 200)}`;
    }
    return undefined;
  }

  async function fuzz(name: string, arbitrary: fc.Arbitrary<string | Uint8Array>, send: (input: string | Uint8Array) => Promise<Response>, expectRefused = true): Promise<void> {
    let tried = 0;
    let refused = 0;
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(arbitrary, async (input) => {
        tried++;
        const response = await send(input);
        if (response.status >= 400 && response.status < 500) refused++;
        const failure = await judge(name, response);
        if (failure && failures.length < 5) failures.push(`${failure} <- ${JSON.stringify(typeof input === 'string' ? input.slice(0, 120) : Buffer.from(input).toString('base64').slice(0, 120))}`);
        return failure === undefined;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    record(`fuzz: ${name}`, { tried, refused: expectRefused ? refused : tried - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
  }

  // Inputs that look like what each parser expects, mutated: plain random strings rarely get past the first check.
  const jsonish = fc.oneof(fc.json(), fc.string(), fc.jsonValue().map((v) => JSON.stringify({ credential: v })), fc.string().map((s) => `{"credential":"${s}"}`));
  const bytes = fc.oneof(fc.uint8Array({ maxLength: 512 }), fc.json().map((s) => new TextEncoder().encode(s)), fc.string().map((s) => new TextEncoder().encode(s)));

  it('POST /api/v1/verify (credentials to verify)', async () => {
    await fuzz('verify', jsonish, (body) => fetch(`${base}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body }), false);
  });

  it('POST /events/moodle/:id (signed bodies of any bytes)', async () => {
    await fuzz('moodle webhook', bytes, (body) => {
      const timestamp = Math.floor(Date.now() / 1000);
      const signature = signMoodleBody({ secret: source.secret!, timestamp, body: Buffer.from(body) });
      return fetch(`${base}/events/moodle/${source.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-laurel-timestamp': String(timestamp), 'x-laurel-signature': signature }, body: Buffer.from(body) });
    });
  });

  it('POST /api/v1/events (API events)', async () => {
    await fuzz('api events', jsonish, (body) => fetch(`${base}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }));
  });

  it('POST /lti/launch (id_token and state of any shape)', async () => {
    const jwtish = fc.oneof(fc.string(), fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.')), fc.json().map((j) => `${Buffer.from('{"alg":"RS256","kid":"k"}').toString('base64url')}.${Buffer.from(j).toString('base64url')}.c2ln`));
    await fuzz('lti launch', jwtish, (idToken) => fetch(`${base}/lti/launch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: new URLSearchParams({ id_token: String(idToken), state: 'x' }).toString() }));
  });

  it('POST /api/v1/courses/:id/gradebook-imports (CSV) and the gradebook parser itself', async () => {
    const csvish = fc.oneof(fc.string(), fc.array(fc.array(fc.string(), { maxLength: 6 }), { maxLength: 8 }).map((rows) => ['Student,ID,SIS User ID,Section,Quiz (1)', ...rows.map((r) => r.join(','))].join('\n')));
    await fuzz('gradebook csv', csvish, (csv) => fetch(`${base}/api/v1/courses/${courseId}/gradebook-imports?format=canvas`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' }, body: csv }), false);
    // The pure parser: throws only LaurelErrors (refusals), never anything else.
    let crashes = 0;
    fc.assert(fc.property(csvish, fc.constantFrom('canvas' as const, 'moodle' as const), (csv, format) => {
      try {
        gradebookToEvents({ courseId, csv: String(csv), format, exportedAt: new Date(0) });
      } catch (error) {
        if ((error as { name?: string }).name !== 'LaurelError') crashes++;
      }
      return true;
    }), { seed: SEED, numRuns: RUNS });
    expect(crashes).toBe(0);
  });

  it('the strict JSON reader agrees with JSON.parse on every valid, unambiguous document', () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
      const text = JSON.stringify(value);
      const parsed = parseStrictJson(Buffer.from(text));
      return parsed.ok && JSON.stringify(parsed.value) === text;
    }), { seed: SEED, numRuns: RUNS });
  });
});
