import { ensureDefaultIssuer } from '../../src/credentials';
import type { Express } from 'express';
import request from 'supertest';
import { clearEventSourceCache, createEventSource, signMoodleBody } from '../../src/events';
import { issueCredentialJob } from '../../src/badges';
import { MAX_IMAGE_BYTES } from '../../src/images';
import { startWorkers } from '../../src/queue';
import { createToken } from '../../src/tokens';
import type { TestContext } from '../support/context';
import { createAdminConsoleFixture, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

// The smallest valid PNG header (magic + IHDR), enough for the byte-level check.
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('0000000d49484452000000010000000108060000001f15c489', 'hex')]);

/** Admin console: issuer profile with logo (size-limited, field messages) and platform removal after confirmation. */
describe('admin console: issuer profile and platform removal', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;
  let platformId: string;
  let fixture: AdminConsoleFixture;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture({ operator: true });
    ({ ctx, app, cookie, courseId, platformId } = fixture);
    // The default issuer exists once the console has been opened (or Laurel has issued).
    await ensureDefaultIssuer(ctx.database.db, ctx.config);
  });
  afterAll(() => fixture.close());

  const admin = () => `/lti/courses/${courseId}/admin`;
  const csrfToken = () => fixture.csrfToken();
  const saveIssuer = async (fields: Record<string, string>, logo?: { bytes: Buffer; name: string }) => {
    const req = request(app).post(`${admin()}/issuers/default`).set('Cookie', cookie).set('Accept', 'text/html').field('_csrf', await csrfToken());
    for (const [k, v] of Object.entries(fields)) req.field(k, v);
    if (logo) req.attach('logoFile', logo.bytes, { filename: logo.name, contentType: 'image/png' });
    return req;
  };

  it('refuses an oversized logo with a field message and keeps what was typed', async () => {
    const big = Buffer.concat([PNG, Buffer.alloc(Math.round(3.2 * 1024 * 1024) - PNG.length)]);
    const res = await saveIssuer({ name: 'Example University', description: 'Badges for real skills', url: 'https://example.edu', email: 'badges@example.edu' }, { bytes: big, name: 'logo.png' });
    expect(res.status).toBe(422);
    expect(res.text).toContain(`The logo is 3.2 MB; the limit is ${MAX_IMAGE_BYTES / 1024} KB.`);
    expect(res.text).toMatch(/id="issuer-default-logoFile"[^>]*aria-invalid="true"/);
    expect(res.text).toMatch(/id="issuer-default-name"[^>]*value="Example University"/);
    expect(res.text).toContain('Badges for real skills</textarea>');
    expect(res.text).toContain('<title>Fix 1 problem(s)');
  });

  it('refuses a file that is not PNG or SVG, and an SVG with script is served without it', async () => {
    const res = await saveIssuer({ name: 'Example University' }, { bytes: Buffer.from('GIF89a...'), name: 'logo.gif' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Upload a PNG, a JPEG or an SVG image.');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><circle r="4" onload="alert(2)"/></svg>');
    const ok = await saveIssuer({ name: 'Example University' }, { bytes: svg, name: 'logo.svg' });
    expect(ok.status).toBe(303);
    const logo = await request(app).get('/issuers/default/logo');
    expect(logo.status).toBe(200);
    expect(logo.headers['content-type']).toMatch(/^image\/svg\+xml/);
    expect(logo.headers['content-security-policy']).toContain('sandbox');
    expect(String(logo.body ?? logo.text)).not.toMatch(/script|onload/);
  });

  it('saves name, description and a PNG logo: the public issuer profile carries them', async () => {
    const res = await saveIssuer({ name: 'Example University', description: 'Badges for real skills', url: 'https://example.edu', email: 'badges@example.edu' }, { bytes: PNG, name: 'logo.png' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${admin()}?done=issuer-saved#keys`);
    const profile = await request(app).get('/issuers/default').set('Accept', 'application/json');
    expect(profile.body).toMatchObject({ name: 'Example University', description: 'Badges for real skills', url: 'https://example.edu', email: 'badges@example.edu', image: { id: expect.stringMatching(new RegExp(`^${ctx.config.BASE_URL}/issuers/default/logo\\?v=[0-9a-f]{12}$`)), type: 'Image' } });
    const logo = await request(app).get('/issuers/default/logo');
    expect(logo.headers['content-type']).toBe('image/png');
    expect(Buffer.compare(logo.body as Buffer, PNG)).toBe(0);
    const page = await request(app).get(admin()).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.text).toContain('alt="Logo of Example University"');
  });

  it('a credential issued after the edit carries the new issuer name, description and logo', async () => {
    const token = (await createToken(ctx.database.db, { name: 'issuer-test', scopes: ['admin'] })).token;
    const api = (path: string, body: object) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${token}`).send(body);
    const workers = startWorkers(ctx, { jobs: [issueCredentialJob], concurrency: 1 });
    try {
      const course = await api('/courses', { title: 'Statistics 200' });
      const achievement = await api('/achievements', { courseId: course.body.id, name: 'Regression Ready', description: 'Fits linear models.', criteria: { narrative: '80% on the project.' } });
      const award = await api('/awards', { achievementId: achievement.body.id, recipient: { email: 'kj@example.edu', name: 'Katherine Johnson' } });
      expect(award.status).toBe(201);
      let credentialId: string | null = null;
      for (let i = 0; i < 200 && !credentialId; i += 1) {
        credentialId = (await ctx.tdb.pool.query('select credential_id from awards where id = $1', [award.body.id])).rows[0].credential_id;
        if (!credentialId) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const credential = await request(app).get(`/credentials/${credentialId}`).set('Accept', 'application/ld+json');
      expect(JSON.parse(credential.text).issuer).toMatchObject({ name: 'Example University', description: 'Badges for real skills', image: { id: expect.stringMatching(/\/issuers\/default\/logo\?v=[0-9a-f]{12}$/), type: 'Image' } });
    } finally {
      await workers.close(5000);
    }
  });

  it('removes the platform only after confirmation: launches and its event sources stop, the row stays', async () => {
    const source = await createEventSource(ctx.database.db, { kind: 'moodle', platformId, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY });
    const page = await request(app).get(admin()).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.text).toContain('active: launches are accepted');
    const _csrf = await csrfToken();
    const ask = await request(app).post(`${admin()}/platforms/${platformId}/remove`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf });
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Remove this LMS from Laurel?');
    expect(ask.text).toContain('Credentials already issued stay valid');
    expect((await ctx.tdb.pool.query('select status from platforms where id = $1', [platformId])).rows[0].status).toBe('active');

    const done = await request(app).post(`${admin()}/platforms/${platformId}/remove`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ _csrf, confirm: 'yes' });
    expect(done.status).toBe(200);
    expect(done.text).toContain('School Moodle is no longer connected to Laurel');
    expect((await ctx.tdb.pool.query('select status from platforms where id = $1', [platformId])).rows[0].status).toBe('disabled');
    const { rows } = await ctx.tdb.pool.query(`select action from audit_log where action = 'platform.removed' and subject_id = $1`, [platformId]);
    expect(rows).toHaveLength(1);
    // The session of the removed platform no longer opens the console; its sources refuse events.
    expect((await request(app).get(admin()).set('Cookie', cookie).set('Accept', 'text/html')).status).toBe(403);
    clearEventSourceCache();
    const timestamp = Math.floor(Date.now() / 1000);
    const delivery = await request(app).post(`/events/moodle/${source.id}`).set('Content-Type', 'application/json').set('X-Laurel-Timestamp', String(timestamp))
      .set('X-Laurel-Signature', signMoodleBody({ secret: source.secret!, timestamp, body: '{}' })).send('{}');
    expect(delivery.status).toBe(404);
  });
});
