import express from 'express';
import request from 'supertest';
import { sql } from 'kysely';
import { registerPlatform, type LtiOptions } from '../../src/lti';
import { createLti } from '../../src/lti/web';
import { createTestContext, type TestContext } from '../support/context';

describe('LTI cookies and login over HTTPS', () => {
  let ctx: TestContext;
  let app: express.Express;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'https://laurel.example.edu' });
    const options: LtiOptions = { purgeIntervalMs: 0 };
    const handle = await createLti(ctx, options);
    close = handle.close;
    app = express();
    app.use('/lti', handle.router);
    await registerPlatform(
      { db: ctx.database.db, store: handle.store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY },
      {
        issuer: 'https://canvas.instructure.com',
        clientId: '10000000000123',
        name: 'Test Canvas',
        lms: 'canvas',
        authEndpoint: 'https://canvas.example.edu/api/lti/authorize_redirect',
        tokenEndpoint: 'https://canvas.example.edu/login/oauth2/token',
        jwksUrl: 'https://canvas.example.edu/api/lti/security/jwks',
        deploymentIds: ['1:abc'],
        status: 'active',
      },
    );
  });
  afterAll(async () => {
    await close?.();
    await ctx?.close();
  });

  const login = { iss: 'https://canvas.instructure.com', login_hint: 'u1', target_link_uri: 'https://laurel.example.edu/lti/launch', client_id: '10000000000123', lti_deployment_id: '1:abc' };

  it('checks cookies first with a SameSite=None; Secure cookie, then hands over to ltijs with its cookies equally set and the nonce recorded', async () => {
    const first = await request(app).post('/lti/login').type('form').send(login);
    expect(first.status).toBe(200);
    const check = first.headers['set-cookie']![0]!;
    expect(check).toMatch(/^laurel_cookie_check=1;/);
    expect(check).toMatch(/; Secure/);
    expect(check).toMatch(/; SameSite=None/);
    expect(check).toMatch(/; HttpOnly/);
    expect(first.text).toContain('name="laurel_cc" value="1"');

    const second = await request(app).post('/lti/login').set('cookie', 'laurel_cookie_check=1').type('form').send({ ...login, laurel_cc: '1' });
    expect(second.status).toBe(302);
    const location = new URL(second.headers.location!);
    expect(location.origin + location.pathname).toBe('https://canvas.example.edu/api/lti/authorize_redirect');
    expect(location.searchParams.get('redirect_uri')).toBe('https://laurel.example.edu/lti/launch');
    const state = location.searchParams.get('state')!;
    const stateCookie = (second.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`state${state}=`))!;
    expect(stateCookie).toMatch(/; Secure/);
    expect(stateCookie).toMatch(/; SameSite=None/);
    const stored = await sql<{ nonce: string }>`select doc ->> 'nonce' as nonce from lti_store where collection = 'launchnonce' and doc ->> 'state' = ${state}`.execute(ctx.database.db);
    expect(stored.rows[0]?.nonce).toBe(location.searchParams.get('nonce'));
  });

  it('refuses at login an unknown issuer and an unknown deployment, with the reason on the page', async () => {
    const wrongIss = await request(app).get('/lti/login').query({ ...login, iss: 'https://evil.example' });
    expect(wrongIss.status).toBe(400);
    expect(wrongIss.text).toContain('<code>WRONG_ISS</code>');
    const unknownDeployment = await request(app).get('/lti/login').query({ ...login, lti_deployment_id: '2:zzz' });
    expect(unknownDeployment.status).toBe(403);
    expect(unknownDeployment.text).toContain('<code>UNKNOWN_DEPLOYMENT</code>');
    await sql`update platforms set status = 'pending'`.execute(ctx.database.db);
    const pending = await request(app).get('/lti/login').query(login);
    await sql`update platforms set status = 'active'`.execute(ctx.database.db);
    expect(pending.status).toBe(401);
    expect(pending.text).toContain('<code>PLATFORM_INACTIVE</code>');
  });

  it('serves Laurel’s key set with the platform’s tool key and answers a launch without an id_token with a clear page', async () => {
    const keys = await request(app).get('/lti/keys');
    expect(keys.status).toBe(200);
    expect((keys.body as { keys: Array<{ kty: string; alg: string }> }).keys).toEqual([expect.objectContaining({ kty: 'RSA', alg: 'RS256' })]);
    const bare = await request(app).post('/lti/launch').type('form').send({});
    expect(bare.status).toBe(401);
    expect(bare.text).toContain('<code>SESSION_EXPIRED</code>');
  });
});
