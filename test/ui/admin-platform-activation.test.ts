import request from 'supertest';
import type { Express } from 'express';
import { listPlatforms, PgLtiStore, registerPlatform } from '../../src/lti';
import type { TestContext } from '../support/context';
import { createAdminConsoleFixture, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

describe('admin console: activating a pending platform', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;
  let ownId: string;
  let n = 0;
  let fixture: AdminConsoleFixture;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ operator: true, config: { BASE_URL: 'https://laurel.example.edu' } });
    ({ ctx, app, cookie, courseId, platformId: ownId } = fixture);
  });
  afterAll(() => fixture.close());

  const admin = () => `/lti/courses/${courseId}/admin`;

  /** A registration waiting for activation, with its ltijs records, as the LTI side stores it. */
  async function pendingCanvas() {
    const clientId = `1000000000${++n}`;
    const store = new PgLtiStore(ctx.database.db);
    await store.setup();
    const platform = await registerPlatform({ db: ctx.database.db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY }, {
      issuer: 'https://canvas.instructure.com', clientId, name: `Chemistry Canvas ${n}`, lms: 'canvas',
      authEndpoint: 'https://canvas.example.edu/api/lti/authorize_redirect', tokenEndpoint: 'https://canvas.example.edu/login/oauth2/token',
      jwksUrl: 'https://canvas.example.edu/api/lti/security/jwks', deploymentIds: ['1:abc'], status: 'pending',
    });
    const login = { iss: 'https://canvas.instructure.com', login_hint: 'u1', target_link_uri: 'https://laurel.example.edu/lti/launch', client_id: clientId, lti_deployment_id: '1:abc' };
    return { platform, login };
  }

  const consolePage = () => fixture.openPage();

  const post = (path: string, body: Record<string, string>) => request(app).post(`${admin()}${path}`).set('Cookie', cookie).type('form').send(body);

  it('lists the pending registration with an Activate button; confirming activates it, audits it, and launches are accepted', async () => {
    const { platform, login } = await pendingCanvas();
    expect((await request(app).get('/lti/login').query(login)).status).toBe(401);

    const before = await consolePage();
    expect(before.html).toContain(`action="${admin()}/platforms/${platform.id}/activate"`);
    expect(before.html).toContain('pending: launches are refused until an administrator activates it');
    // The session's own (active) platform has no Activate button.
    expect(before.html).not.toContain(`/platforms/${ownId}/activate`);

    // First post: a confirmation page, nothing changes yet.
    const ask = await post(`/platforms/${platform.id}/activate`, { _csrf: before.csrf });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Activate this LMS registration?');
    expect(ask.text).toContain('name="confirm" value="yes"');
    expect(ask.text).toContain('>Activate platform</button>');
    expect((await listPlatforms(ctx.database.db)).find((p) => p.id === platform.id)?.status).toBe('pending');

    const done = await post(`/platforms/${platform.id}/activate`, { _csrf: before.csrf, confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${admin()}?done=platform-activated#platforms`);
    expect((await listPlatforms(ctx.database.db)).find((p) => p.id === platform.id)?.status).toBe('active');
    const { rows } = await ctx.tdb.pool.query(`select actor, action, subject_id, platform_id, details from audit_log where action = 'platform.activated'`);
    expect(rows).toEqual([expect.objectContaining({ action: 'platform.activated', subject_id: platform.id, platform_id: ownId, details: expect.objectContaining({ clientId: platform.client_id }) })]);
    expect(rows[0].actor).toMatch(/^lti:/);
    expect((await request(app).get('/lti/login').query(login)).status).toBe(200);

    const after = await request(app).get(`${admin()}?done=platform-activated`).set('Cookie', cookie);
    expect(after.text).toContain('Platform activated. Laurel now accepts launches from it.');
    // Now active: an operator still sees it (to remove it later) but without an Activate button. A
    // platform administrator's console lists their own LMS only (test/security/cross-tenant.test.ts).
    expect(after.text).not.toContain(`/platforms/${platform.id}/activate`);
    expect(after.text).toContain(`/platforms/${platform.id}/remove`);
  });

  it('refuses to activate an active or removed platform (409), an unknown one (404), and a post without CSRF (403)', async () => {
    const { csrf } = await consolePage();
    const own = await post(`/platforms/${ownId}/activate`, { _csrf: csrf, confirm: 'yes' });
    expect(own.status).toBe(409);
    const ownAsk = await post(`/platforms/${ownId}/activate`, { _csrf: csrf });
    expect(ownAsk.status).toBe(404);
    expect((await post('/platforms/00000000-0000-4000-8000-000000000000/activate', { _csrf: csrf, confirm: 'yes' })).status).toBe(404);

    const { platform } = await pendingCanvas();
    expect((await post(`/platforms/${platform.id}/activate`, { confirm: 'yes' })).status).toBe(403);
    // Turning the registration down instead: removal of a pending platform from another LMS is allowed.
    const removed = await post(`/platforms/${platform.id}/remove`, { _csrf: csrf, confirm: 'yes' });
    expect(removed.status).toBe(303);
    expect(removed.headers.location).toBe(`${admin()}?done=platform-removed#platforms`);
    expect((await listPlatforms(ctx.database.db)).find((p) => p.id === platform.id)?.status).toBe('disabled');
    expect((await post(`/platforms/${platform.id}/activate`, { _csrf: csrf, confirm: 'yes' })).status).toBe(409);
    expect((await listPlatforms(ctx.database.db)).find((p) => p.id === platform.id)?.status).toBe('disabled');
    expect((await listPlatforms(ctx.database.db)).find((p) => p.id === ownId)?.status).toBe('active');
  });
});
