import request from 'supertest';
import type { Express } from 'express';
import { createAdminConsoleFixture, LEARNER, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

const KEY = 'console-registration-key-0123456789';

describe('admin console: the Dynamic Registration URL with its key', () => {
  let fixture: AdminConsoleFixture;
  let app: Express;
  let courseId: string;
  const cookies: Record<'admin' | 'learner', string> = { admin: '', learner: '' };

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ operator: true, config: { BASE_URL: 'https://laurel.example.edu', REGISTRATION_KEY: KEY, REGISTRATION_APPROVAL: 'manual' } });
    ({ app, courseId, cookie: cookies.admin } = fixture);
    cookies.learner = await fixture.signIn(LEARNER);
  });
  afterAll(() => fixture.close());

  it('shows the URL with the key to an administrator, uncached', async () => {
    const page = await request(app).get(`/lti/courses/${courseId}/admin`).set('Cookie', cookies.admin).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    // Handlebars escapes `=` as &#x3D; (the browser shows and copies it as `=`).
    expect(page.text.replace(/&#x3D;/g, '=')).toContain(`https://laurel.example.edu/lti/register?key=${KEY}`);
    expect(page.text).toContain('wait here as pending');
    expect(page.headers['cache-control']).toBe('no-store');
  });

  it('shows the key neither to a learner nor on the public home page', async () => {
    const learner = await request(app).get(`/lti/courses/${courseId}/learner`).set('Cookie', cookies.learner).set('Accept', 'text/html');
    expect(learner.status).toBe(200);
    expect(learner.text).not.toContain(KEY);
    expect((await request(app).get(`/lti/courses/${courseId}/admin`).set('Cookie', cookies.learner).set('Accept', 'text/html')).status).toBe(403);
    const home = await request(app).get('/');
    expect(home.status).toBe(200);
    expect(home.text).not.toContain(KEY);
  });
});

describe('admin console: a platform administrator who is not an operator', () => {
  let fixture: AdminConsoleFixture;
  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ config: { BASE_URL: 'https://laurel.example.edu', REGISTRATION_KEY: KEY, REGISTRATION_APPROVAL: 'manual' } });
  });
  afterAll(() => fixture.close());

  it('sees neither the registration key nor operator sections, and operator actions are refused', async () => {
    const { html, csrf } = await fixture.openPage();
    expect(html).not.toContain(KEY);
    expect(html).not.toContain('Register a platform manually');
    expect(html).not.toContain('Rotate keys');
    expect(html).not.toContain('/admin/queues');
    expect(html).toContain('School Moodle');
    const rotate = await request(fixture.app).post(`${fixture.pagePath}/keys/rotate`).set('Cookie', fixture.cookie).type('form').send({ _csrf: csrf, issuerId: 'default' });
    expect(rotate.status).toBe(403);
    // No operator session cookie for the queue dashboard either.
    const page = await request(fixture.app).get(fixture.pagePath).set('Cookie', fixture.cookie);
    expect(String(page.headers['set-cookie'] ?? '')).not.toContain('laurel_admin=');
  });
});
