import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Express } from 'express';
import request from 'supertest';
import { createEventSource, signMoodleBody, type EventSource } from '../../src/events';
import { createSignedIntake } from '../../src/events/web';
import { AccessSummary } from '../../src/events/web/access-summary';
import { EVENT_BODY_LIMITS } from '../../src/events/web/router';
import { createLogger } from '../../src/log';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { eventsApp } from './support';

jest.setTimeout(60_000);

/**
 * The lean intake path (src/events/web/signed-intake.ts): the signed webhooks answered on node's own
 * request/response before express. Every refusal must keep the status and problem document the
 * express route gives, the 202 must come after the inbox row exists, and metrics and logs must see it.
 */

const SECRET = 'moodle-shared-secret-0123456789';
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'moodle-user_graded.json'), 'utf8')) as Record<string, unknown>;
const event = (id: string) => JSON.stringify({ ...fixture, id });
const now = () => Math.floor(Date.now() / 1000);
const signed = (body: string | Buffer, props: { secret?: string; timestamp?: number } = {}) => {
  const timestamp = props.timestamp ?? now();
  return { 'X-Laurel-Timestamp': String(timestamp), 'X-Laurel-Signature': signMoodleBody({ secret: props.secret ?? SECRET, timestamp, body }) };
};

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** One raw HTTP request (so chunked bodies and odd encodings go out as written). */
function send(server: Server, props: { path: string; method?: string; headers?: Record<string, string>; chunks?: Buffer[] }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = httpRequest({ host: '127.0.0.1', port, path: props.path, method: props.method ?? 'POST', headers: props.headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: Record<string, unknown> = {};
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch {
          body = { text };
        }
        resolve({ status: res.statusCode!, headers: res.headers, body });
      });
    });
    req.on('error', reject);
    for (const chunk of props.chunks ?? []) req.write(chunk);
    req.end();
  });
}

function listen(handler: Parameters<typeof createServer>[1]): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('lean intake path for the signed webhooks', () => {
  let ctx: TestContext;
  let source: EventSource;
  let canvas: EventSource;
  let app: Express;
  /** The lean handler alone: anything it declines is answered 599, so a pass-through is visible. */
  let bare: Server;
  /** The whole app as main.ts serves it. */
  let full: Server;
  /** The express mounting of the same handler (createEventIntakeRouter), as before this path existed. */
  let viaExpress: Server;
  const lines: Record<string, unknown>[] = [];

  beforeAll(async () => {
    ctx = await createTestContext();
    const logger = createLogger({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    source = await createEventSource(ctx.database.db, { kind: 'moodle', secret: SECRET });
    canvas = await createEventSource(ctx.database.db, { kind: 'canvas', allowUnsigned: false, jwksUrl: 'http://127.0.0.1:9/jwks' });
    app = await createApp({ ...ctx, logger });
    const intake = createSignedIntake({ ...ctx, logger });
    bare = await listen((req, res) => {
      if (intake.dispatch(req, res)) return;
      res.statusCode = 599;
      res.end();
    });
    full = await listen(app);
    viaExpress = await listen(eventsApp({ ...ctx, logger }));
  });
  afterAll(async () => {
    await Promise.all([bare, full, viaExpress].map((s) => new Promise((resolve) => s.close(resolve))));
    await ctx.close();
  });

  const rows = async (externalId: string) => Number((await ctx.tdb.pool.query('select count(*) from score_events where external_id = $1', [externalId])).rows[0].count);

  it('accepts a signed Moodle delivery without express: 202 once its inbox row exists, with the intake headers', async () => {
    const body = event('lean-ok-1');
    const answer = await send(bare, { path: `/events/moodle/${source.id}`, headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'lms-req-1', ...signed(body) }, chunks: [Buffer.from(body)] });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: true, duplicate: false, status: 'parked' });
    // Durable before acknowledged: the row is there the moment the 202 is.
    expect(await rows('lean-ok-1')).toBe(1);
    expect(answer.headers['x-request-id']).toBe('lms-req-1');
    expect(answer.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('declines everything that is not a signed delivery, for express to answer', async () => {
    expect((await send(bare, { path: `/events/moodle/${source.id}`, method: 'GET' })).status).toBe(599);
    expect((await send(bare, { path: '/api/v1/events', headers: { 'Content-Type': 'application/json' }, chunks: [Buffer.from('{}')] })).status).toBe(599);
    expect((await send(bare, { path: `/events/moodle/${source.id}/extra` })).status).toBe(599);
    // Percent-encoded ids are decoded by express's router, not here.
    expect((await send(bare, { path: `/events/moodle/%41${source.id}` })).status).toBe(599);
    // In the app, those reach express: a GET is not a route (404), an encoded unknown id is 404 too.
    expect((await send(full, { path: `/events/moodle/${source.id}`, method: 'GET' })).status).toBe(404);
    const encoded = await send(full, { path: `/events/moodle/%41bc`, headers: { 'Content-Type': 'application/json', ...signed('{}') }, chunks: [Buffer.from('{}')] });
    expect(encoded.status).toBe(404);
    expect(encoded.body.code).toBe('ERR_NOT_FOUND');
  });

  it('matches the shapes express matched: any letter case, a trailing slash, a query', async () => {
    for (const [i, path] of [`/EVENTS/Moodle/${source.id}`, `/events/moodle/${source.id}/`, `/events/moodle/${source.id}?from=plugin`].entries()) {
      const body = event(`lean-shape-${i}`);
      const answer = await send(bare, { path, headers: { 'Content-Type': 'application/json', ...signed(body) }, chunks: [Buffer.from(body)] });
      expect(answer.status).toBe(202);
    }
  });

  const moodleLimit = Number(EVENT_BODY_LIMITS.moodle.replace(/kb$/i, '')) * 1024;
  const refusals: Array<{ name: string; path: () => string; headers: () => Record<string, string>; chunks: () => Buffer[]; status: number; code: string }> = [
    { name: 'a bad signature (401)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', ...signed(event('r1'), { secret: 'another-secret-0123456789abcdef' }) }), chunks: () => [Buffer.from(event('r1'))], status: 401, code: 'ERR_EVENT_SIGNATURE' },
    { name: 'no signature (401)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json' }), chunks: () => [Buffer.from(event('r2'))], status: 401, code: 'ERR_EVENT_SIGNATURE' },
    { name: 'a stale timestamp (401)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', ...signed(event('r3'), { timestamp: now() - 3600 }) }), chunks: () => [Buffer.from(event('r3'))], status: 401, code: 'ERR_EVENT_STALE' },
    { name: 'a declared length over the limit (413)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json' }), chunks: () => [Buffer.alloc(moodleLimit + 1, 0x20)], status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' },
    { name: 'a chunked body that grows over the limit (413)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), chunks: () => Array.from({ length: 5 }, () => Buffer.alloc(moodleLimit / 4, 0x20)), status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' },
    { name: 'a gzip body that inflates over the limit (413)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }), chunks: () => [gzipSync(Buffer.alloc(moodleLimit * 4, 0x20))], status: 413, code: 'ERR_PAYLOAD_TOO_LARGE' },
    { name: 'a form body (415)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/x-www-form-urlencoded', ...signed(event('r4')) }), chunks: () => [Buffer.from(event('r4'))], status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'no media type on the Moodle route (415)', path: () => `/events/moodle/${source.id}`, headers: () => ({ ...signed(event('r5')) }), chunks: () => [Buffer.from(event('r5'))], status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'an unknown content encoding (415)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', 'Content-Encoding': 'br', ...signed(event('r6')) }), chunks: () => [Buffer.from(event('r6'))], status: 415, code: 'ERR_UNSUPPORTED_MEDIA_TYPE' },
    { name: 'signed invalid JSON (400)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', ...signed('{"schema":') }), chunks: () => [Buffer.from('{"schema":')], status: 400, code: 'ERR_EVENT_MALFORMED' },
    { name: 'a signed body that is not the plugin payload (400)', path: () => `/events/moodle/${source.id}`, headers: () => ({ 'Content-Type': 'application/json', ...signed('{"schema":"laurel.moodle.v1"}') }), chunks: () => [Buffer.from('{"schema":"laurel.moodle.v1"}')], status: 400, code: 'ERR_EVENT_MALFORMED' },
    { name: 'an unknown source (404)', path: () => '/events/moodle/00000000-0000-4000-8000-000000000000', headers: () => ({ 'Content-Type': 'application/json', ...signed(event('r7')) }), chunks: () => [Buffer.from(event('r7'))], status: 404, code: 'ERR_NOT_FOUND' },
    { name: 'a Moodle source on the Canvas route (404)', path: () => `/events/canvas/${source.id}`, headers: () => ({ 'Content-Type': 'application/jwt' }), chunks: () => [Buffer.from('x.y.z')], status: 404, code: 'ERR_NOT_FOUND' },
    { name: 'unsigned JSON on a signed Canvas source (401)', path: () => `/events/canvas/${canvas.id}`, headers: () => ({ 'Content-Type': 'application/json' }), chunks: () => [Buffer.from('{"metadata":{},"body":{}}')], status: 401, code: 'ERR_EVENT_SIGNATURE' },
    { name: 'a Canvas body that is neither JWT nor JSON (400)', path: () => `/events/canvas/${canvas.id}`, headers: () => ({ 'Content-Type': 'text/plain' }), chunks: () => [Buffer.from('hello')], status: 400, code: 'ERR_EVENT_MALFORMED' },
    { name: 'a Canvas source whose keys cannot be fetched (503)', path: () => `/events/canvas/${canvas.id}`, headers: () => ({ 'Content-Type': 'application/jwt' }), chunks: () => [Buffer.from('eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJhIjoxfQ.c2ln')], status: 503, code: 'ERR_UNAVAILABLE' },
  ];

  it.each(refusals.map((r) => [r.name, r] as const))('refuses %s with the status and problem document of the express route', async (_name, r) => {
    // One request, sent three times (its timestamp and signature made once, so the details agree).
    const delivery = { path: r.path(), headers: r.headers(), chunks: r.chunks() };
    const lean = await send(bare, delivery);
    const inApp = await send(full, delivery);
    const express = await send(viaExpress, delivery);
    for (const answer of [lean, inApp, express]) {
      expect(answer.status).toBe(r.status);
      expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
      expect(answer.body).toMatchObject({ type: `urn:laurel:problem:${r.code.toLowerCase()}`, status: r.status, code: r.code, title: expect.any(String), detail: expect.any(String) });
      expect(answer.body.instance).toBe(`urn:laurel:request:${String(answer.headers['x-request-id'])}`);
    }
    // The same document but for the request id, and for a clock skew measured a second apart.
    const comparable = ({ instance: _instance, detail, ...rest }: Record<string, unknown>) => ({ ...rest, detail: String(detail).replace(/\d+ s away/, 'N s away') });
    expect(comparable(lean.body)).toEqual(comparable(express.body));
  });

  it('refuses an oversized body and keeps serving the same keep-alive connection', async () => {
    const agent = request.agent(app);
    const big = await agent.post(`/events/moodle/${source.id}`).set('Content-Type', 'application/json').send('x'.repeat(moodleLimit + 1024));
    expect(big.status).toBe(413);
    const body = event('lean-after-413');
    const ok = await agent.post(`/events/moodle/${source.id}`).set('Content-Type', 'application/json').set(signed(body)).send(body);
    expect(ok.status).toBe(202);
  });

  it('reads a gzip body as body-parser did: the signature covers the decoded bytes', async () => {
    const body = event('lean-gzip-1');
    const answer = await send(full, { path: `/events/moodle/${source.id}`, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', ...signed(body) }, chunks: [gzipSync(body)] });
    expect(answer.status).toBe(202);
    expect(await rows('lean-gzip-1')).toBe(1);
  });

  it('refuses a corrupt gzip body as malformed (400; body-parser answered 500 for it)', async () => {
    const answer = await send(full, { path: `/events/moodle/${source.id}`, headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' }, chunks: [Buffer.from('not gzip at all')] });
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('ERR_MALFORMED');
  });

  it('logs each refusal with its request id, and counts answers in the HTTP metrics under the route pattern', async () => {
    const refused = await request(app).post(`/events/moodle/${source.id}`).set('Content-Type', 'application/json').set('X-Request-Id', 'lean-refused-1').send(event('m1'));
    expect(refused.status).toBe(401);
    const line = lines.find((l) => (l.req as { id?: string } | undefined)?.id === 'lean-refused-1');
    expect(line).toMatchObject({ msg: 'request refused', code: 'ERR_EVENT_SIGNATURE', level: 40 });
    const { token } = await createToken(ctx.database.db, { name: 'metrics', scopes: ['metrics'] });
    const metrics = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(metrics.text).toMatch(/laurel_http_request_duration_seconds_count\{method="POST",route="\/events\/moodle\/:sourceId",status="202"\} [1-9]/);
    expect(metrics.text).toMatch(/laurel_http_request_duration_seconds_count\{method="POST",route="\/events\/moodle\/:sourceId",status="401"\} [1-9]/);
  });
});

describe('aggregated access log of the intake routes', () => {
  it('writes one line per route and window with the answers by status', () => {
    const written: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const summary = new AccessSummary({ info: ((fields: Record<string, unknown>, msg: string) => written.push({ fields, msg })) as never }, { windowMs: 60_000 });
    for (let i = 0; i < 5; i++) summary.add({ route: '/events/moodle/:sourceId', status: 202, seconds: 0.002 });
    summary.add({ route: '/events/moodle/:sourceId', status: 401, seconds: 0.010 });
    summary.add({ route: '/events/canvas/:sourceId', status: 202, seconds: 0.004 });
    summary.flush();
    expect(written).toHaveLength(2);
    expect(written[0]).toMatchObject({ msg: 'intake access summary', fields: { route: '/events/moodle/:sourceId', requests: 6, statuses: { 202: 5, 401: 1 }, maxMs: 10 } });
    expect(written[1]!.fields).toMatchObject({ route: '/events/canvas/:sourceId', requests: 1, statuses: { 202: 1 } });
    summary.flush();
    expect(written).toHaveLength(2); // an empty window writes nothing
  });
});
