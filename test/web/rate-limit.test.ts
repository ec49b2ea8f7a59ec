import express from 'express';
import request from 'supertest';
import { Redis } from 'ioredis';
import { createRedis, redisOptions } from '../../src/queue';
import { publicRateLimit } from '../../src/http';
import { errorHandler } from '../../src/http';
import { createTestContext, type TestContext } from '../support/context';

describe('public rate limit', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  function appWith(limiterCtx: TestContext, limit: number, name: string) {
    const app = express();
    app.get('/api/ping', publicRateLimit(limiterCtx, { name, limit }), (_req, res) => res.json({ ok: true }));
    app.use(errorHandler);
    return app;
  }

  it('counts in Redis even when built before the connection was ready, then answers 429', async () => {
    // A brand-new connection: not yet connected while the limiter is built (as at start-up).
    const fresh = createRedis(ctx.config.REDIS_URL, 'producer');
    const app = appWith({ ...ctx, redis: fresh }, 3, 'fresh');
    await new Promise<void>((resolve) => (fresh.status === 'ready' ? resolve() : fresh.once('ready', () => resolve())));
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await request(app).get('/api/ping')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await request(app).get('/api/ping');
    expect(limited.body.code).toBe('ERR_RATE_LIMITED');
    expect(limited.headers['ratelimit-policy']).toBeDefined();
    fresh.disconnect();
  });

  it('lets requests through while Redis is unreachable', async () => {
    // Nothing listens on port 1; no reconnection attempts, so the test leaves no timer behind.
    const dead = new Redis('redis://127.0.0.1:1', { ...redisOptions('producer'), retryStrategy: () => null });
    dead.on('error', () => undefined);
    const app = appWith({ ...ctx, redis: dead }, 1, 'dead');
    const statuses = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await request(app).get('/api/ping')).status);
    expect(statuses).toEqual([200, 200, 200]);
    dead.disconnect();
  });
});
