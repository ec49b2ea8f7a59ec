import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { LaurelError } from '../../src/errors';
import { createApp } from '../../src/app';
import { validateBody } from '../../src/http';
import { upsertPlatform } from '../../src/courses';
import { errorHandler } from '../../src/http';
import { createTestContext, type TestContext } from '../support/context';

describe('errors', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('answers API clients with RFC 9457 problem JSON and a request id', async () => {
    const app = await createApp(ctx);
    const res = await request(app).get('/api/v1/nothing-here').set('X-Request-Id', 'req-123');
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-request-id']).toBe('req-123');
    expect(res.body).toMatchObject({ type: 'urn:laurel:problem:err_not_found', status: 404, code: 'ERR_NOT_FOUND', instance: 'urn:laurel:request:req-123' });
  });

  it('answers browsers with a friendly page, never a stack trace', async () => {
    const app = express();
    app.get('/boom', () => {
      throw new Error('secret internal detail at /srv/laurel/file.ts:12');
    });
    app.use(errorHandler);
    const res = await request(app).get('/boom').set('Accept', 'text/html');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toMatch(/secret internal detail|file\.ts|at /);
  });

  it('maps validation failures to 422 with field issues and malformed JSON to 400', async () => {
    const app = express();
    app.use(express.json({ limit: '1kb' }));
    app.post('/api/x', validateBody(z.object({ name: z.string().min(1) })), (_req, res) => res.json({ ok: true }));
    app.use(errorHandler);
    const invalid = await request(app).post('/api/x').send({ name: '' });
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toEqual([{ field: 'name', message: expect.any(String) }]);
    const malformed = await request(app).post('/api/x').set('Content-Type', 'application/json').send('{"name":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.code).toBe('ERR_MALFORMED');
    const huge = await request(app).post('/api/x').send({ name: 'x'.repeat(5000) });
    expect(huge.status).toBe(413);
  });

  it('maps error codes to statuses', async () => {
    const app = express();
    app.get('/api/forbidden', (_req, _res, next) => next(new LaurelError('ERR_FORBIDDEN')));
    app.use(errorHandler);
    const res = await request(app).get('/api/forbidden');
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('ERR_FORBIDDEN');
  });

  it('sends a CSP that forbids inline script and names the allowed frame ancestors', async () => {
    const framed = await createTestContext({ FRAME_ANCESTORS: "'self' https://canvas.example.edu" });
    const app = await createApp(framed);
    const res = await request(app).get('/');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'self' https://canvas.example.edu");
    expect(res.headers['x-frame-options']).toBeUndefined();
    await framed.close();
  });

  it('lets registered platforms frame Laurel and any LMS frame the registration page', async () => {
    await upsertPlatform(ctx.database.db, {
      issuer: 'https://moodle.school.edu', clientId: 'c1', name: 'School Moodle', lms: 'moodle',
      authEndpoint: 'https://moodle.school.edu/mod/lti/auth.php', tokenEndpoint: 'https://moodle.school.edu/mod/lti/token.php', jwksUrl: 'https://moodle.school.edu/mod/lti/certs.php',
    });
    await upsertPlatform(ctx.database.db, {
      issuer: 'https://canvas.instructure.com', clientId: '10000000000001', name: 'Canvas', lms: 'canvas',
      authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token', jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks',
    });
    const app = await createApp(ctx);
    const csp = (await request(app).get('/')).headers['content-security-policy'] as string;
    const ancestors = /frame-ancestors ([^;]*)/.exec(csp)![1]!.split(' ');
    expect(ancestors).toEqual(expect.arrayContaining(["'self'", 'https://moodle.school.edu', 'https://*.instructure.com']));
    const registration = (await request(app).get('/lti/register')).headers['content-security-policy'] as string;
    expect(registration).toContain('frame-ancestors *');
  });
});
