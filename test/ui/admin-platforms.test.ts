import request from 'supertest';
import type { Express } from 'express';
import { listPlatforms } from '../../src/lti';
import type { TestContext } from '../support/context';
import { createAdminConsoleFixture, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

describe('admin console: manual platform registration', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;
  let fixture: AdminConsoleFixture;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ operator: true });
    ({ ctx, app, cookie, courseId } = fixture);
  });
  afterAll(() => fixture.close());

  async function csrfToken(): Promise<string> {
    const { html, csrf } = await fixture.openPage();
    expect(html).toContain('Register a platform manually');
    return csrf;
  }

  const valid = {
    name: 'Chemistry Canvas', lms: 'canvas', issuer: 'https://canvas.instructure.com', clientId: '10000000000042',
    authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token',
    jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks', deploymentIds: '7:abc, 8:def',
  };

  it('answers field-level messages for a bad form and registers nothing', async () => {
    const _csrf = await csrfToken();
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send({ ...valid, jwksUrl: 'not a url', deploymentIds: '', _csrf });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter the public keyset URL as a web address starting with https://.');
    expect(res.text).toContain('Enter at least one deployment id');
    expect(res.text).toMatch(/id="platform-jwksUrl"[^>]*aria-invalid="true"/);
    expect((await listPlatforms(ctx.database.db)).map((p) => p.client_id)).not.toContain(valid.clientId);
  });

  it('registers a platform with its deployments, shows the tool URLs and audits it', async () => {
    const _csrf = await csrfToken();
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send({ ...valid, _csrf });
    expect(res.status).toBe(201);
    expect(res.text).toContain(`${ctx.config.BASE_URL}/lti/login`);
    expect(res.text).toContain(`${ctx.config.BASE_URL}/lti/canvas.json`);
    const registered = (await listPlatforms(ctx.database.db)).find((p) => p.client_id === valid.clientId);
    expect(registered).toMatchObject({ status: 'active', lms: 'canvas', deploymentIds: expect.arrayContaining(['7:abc', '8:def']) });
    const { rows } = await ctx.tdb.pool.query(`select action, subject_id from audit_log where action = 'platform.registered'`);
    expect(rows).toEqual([{ action: 'platform.registered', subject_id: registered!.id }]);
  });

  it('refuses a post without the CSRF token', async () => {
    const res = await request(app).post(`/lti/courses/${courseId}/admin/platforms`).set('Cookie', cookie).type('form').send(valid);
    expect(res.status).toBe(403);
  });
});
