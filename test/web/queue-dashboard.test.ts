import express from 'express';
import cookieParser from 'cookie-parser';
import request from 'supertest';
import { upsertPlatform } from '../../src/courses';
import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { issueOperatorSession } from '../../src/http';
import { createTestContext, type TestContext } from '../support/context';

describe('queue dashboard', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('is for instance operators only', async () => {
    const app = await createApp(ctx);
    const anonymous = await request(app).get('/admin/queues').set('Accept', 'text/html');
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).toContain('Operators only');
    const { token: events } = await createToken(ctx.database.db, { name: 'events', scopes: ['events'] });
    expect((await request(app).get('/admin/queues/api/queues').set('Authorization', `Bearer ${events}`)).status).toBe(403);
    // An admin token bound to one platform is no operator: the queues span every tenant.
    const platform = await upsertPlatform(ctx.database.db, { issuer: 'https://lms.one.edu', clientId: 'q', name: 'One', lms: 'moodle', authEndpoint: 'https://lms.one.edu/a', tokenEndpoint: 'https://lms.one.edu/t', jwksUrl: 'https://lms.one.edu/k' });
    const { token: bound } = await createToken(ctx.database.db, { name: 'bound', scopes: ['admin'], platformId: platform.id });
    expect((await request(app).get('/admin/queues/api/queues').set('Authorization', `Bearer ${bound}`)).status).toBe(403);
  });

  it('lists every queue for an admin token', async () => {
    const app = await createApp(ctx);
    const { token } = await createToken(ctx.database.db, { name: 'ops', scopes: ['admin'] });
    const page = await request(app).get('/admin/queues').set('Authorization', `Bearer ${token}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('__UI_CONFIG__');
    const api = await request(app).get('/admin/queues/api/queues').set('Authorization', `Bearer ${token}`);
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name).sort()).toEqual(['evaluate', 'export', 'import', 'issue', 'maintenance', 'notify', 'poll']);
  });

  it('accepts the operator browser session minted by the console, not a pre-issue-15 admin session', async () => {
    const minter = express();
    minter.use(cookieParser());
    minter.get('/mint', async (_req, res) => {
      await issueOperatorSession(res, ctx.config, 'lti:admin-1');
      res.end();
    });
    const cookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!;
    expect(cookie).toMatch(/^laurel_admin=.*Path=\/admin; .*HttpOnly/);
    const app = await createApp(ctx);
    const page = await request(app).get('/admin/queues').set('Cookie', cookie.split(';')[0]!);
    expect(page.status).toBe(200);
    const forged = await request(app).get('/admin/queues').set('Cookie', 'laurel_admin=eyJhbGciOiJIUzI1NiJ9.e30.forged').set('Accept', 'text/html');
    expect(forged.status).toBe(401);
  });
});
