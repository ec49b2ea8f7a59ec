import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import JSZip from 'jszip';
import request from 'supertest';
import { clearEventSourceCache, signMoodleBody } from '../../src/events';
import { createToken } from '../../src/tokens';
import type { TestContext } from '../support/context';
import { createAdminConsoleFixture, type AdminConsoleFixture } from './support';

jest.setTimeout(60_000);

const moodlePayload = readFileSync(join(__dirname, '..', 'events', 'fixtures', 'moodle-user_graded.json'), 'utf8');

/** Admin console: event sources (Moodle secret shown once and sealed, plugin ZIP, rotate, delete) and the admin API. */
describe('admin console: event sources', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;
  let platformId: string;
  let fixture: AdminConsoleFixture;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture();
    ({ ctx, app, cookie, courseId, platformId } = fixture);
  });
  afterAll(() => fixture.close());
  beforeEach(() => clearEventSourceCache());

  const admin = () => `/lti/courses/${courseId}/admin`;
  const csrfToken = () => fixture.csrfToken();
  const post = async (path: string, form: Record<string, string>) => request(app).post(`${admin()}${path}`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...form, _csrf: await csrfToken() });
  const deliver = (sourceId: string, secret: string) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return request(app).post(`/events/moodle/${sourceId}`).set('Content-Type', 'application/json').set('X-Laurel-Timestamp', String(timestamp))
      .set('X-Laurel-Signature', signMoodleBody({ secret, timestamp, body: moodlePayload })).send(moodlePayload);
  };
  const secretOn = (html: string) => /id="new-source-secret" value="([^"]+)"/.exec(html)?.[1];
  const storedSecret = async (id: string) => (await ctx.tdb.pool.query('select secret, secret_sealed from event_sources where id = $1', [id])).rows[0] as { secret: string; secret_sealed: boolean } | undefined;

  it('creates a Moodle source: the secret is shown once, stored sealed, and verifies deliveries; the ZIP has the plugin without the secret', async () => {
    const res = await post('/sources/moodle', { name: 'Biology Moodle' });
    expect(res.status).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const secret = secretOn(res.text)!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const id = /Source id<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(res.text)![1]!;
    expect(res.text).toContain(`${ctx.config.BASE_URL}/events/moodle/${id}`);

    const row = (await storedSecret(id))!;
    expect(row.secret_sealed).toBe(true);
    expect(row.secret).not.toContain(secret);

    expect((await deliver(id, secret)).status).toBe(202);
    const wrong = await deliver(id, 'not-the-secret-0123456789abcdef');
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('ERR_EVENT_SIGNATURE');

    // Never shown again: the console lists the source with its last event, not its secret.
    const later = await request(app).get(admin()).set('Cookie', cookie).set('Accept', 'text/html');
    expect(later.text).not.toContain(secret);
    expect(later.text).toContain('Biology Moodle');
    expect(later.text).toMatch(/<dt>Last event<\/dt><dd>\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC<\/dd>/);
    expect(later.text).toMatch(/ERR_EVENT_SIGNATURE: The event signature does not match. <span class="muted">\(\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)/);

    const zip = await request(app).get(`${admin()}/sources/${id}/plugin.zip`).set('Cookie', cookie).buffer(true).parse((r, done) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => done(null, Buffer.concat(chunks)));
    });
    expect(zip.status).toBe(200);
    expect(zip.headers['content-type']).toBe('application/zip');
    const archive = await JSZip.loadAsync(zip.body as Buffer);
    const names = Object.keys(archive.files);
    expect(names).toEqual(expect.arrayContaining(['laurel/version.php', 'laurel/settings.php', 'laurel/classes/task/deliver_event.php', 'laurel/lang/en/local_laurel.php', 'laurel/LAUREL-SETTINGS.txt']));
    expect(await archive.file('laurel/version.php')!.async('string')).toContain("$plugin->component = 'local_laurel';");
    const note = await archive.file('laurel/LAUREL-SETTINGS.txt')!.async('string');
    expect(note).toContain(id);
    expect(note).toContain(ctx.config.BASE_URL);
    for (const name of names) expect(await archive.file(name)?.async('string') ?? '').not.toContain(secret);
  });

  it('rotates a secret after confirmation: the old one is refused, the new one accepted', async () => {
    const created = await post('/sources/moodle', { name: 'Rotating' });
    const old = secretOn(created.text)!;
    const id = /Source id<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(created.text)![1]!;
    const ask = await post(`/sources/${id}/rotate`, {});
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Rotate the shared secret of Rotating?');
    expect(secretOn(ask.text)).toBeUndefined();
    const rotated = await post(`/sources/${id}/rotate`, { confirm: 'yes' });
    const fresh = secretOn(rotated.text)!;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(fresh).not.toBe(old);
    expect((await deliver(id, old)).status).toBe(401);
    expect((await deliver(id, fresh)).status).toBe(202);
  });

  it('creates a Canvas source with the Live Events JWKS default, field messages for a bad URL', async () => {
    const bad = await post('/sources/canvas', { name: 'Canvas', jwksUrl: 'not a url' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter the JWKS address as a web address starting with https://.');
    expect(bad.text).toMatch(/id="canvas-source-jwksUrl"[^>]*aria-invalid="true"/);
    const page = await request(app).get(admin()).set('Cookie', cookie).set('Accept', 'text/html');
    expect(page.text).toContain('value="https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks"');
    const ok = await post('/sources/canvas', { name: 'Chemistry Canvas', jwksUrl: 'https://canvas.example/jwks', allowUnsigned: 'on' });
    expect(ok.status).toBe(201);
    expect(ok.text).toContain('Create Canvas Live Events subscription');
    const { rows } = await ctx.tdb.pool.query(`select jwks_url, allow_unsigned, platform_id from event_sources where name = 'Chemistry Canvas'`);
    expect(rows).toEqual([{ jwks_url: 'https://canvas.example/jwks', allow_unsigned: true, platform_id: platformId }]);
  });

  it('deletes a source only after confirmation', async () => {
    const created = await post('/sources/moodle', { name: 'Doomed' });
    const id = /Source id<\/dt><dd><code>([0-9a-f-]{36})<\/code>/.exec(created.text)![1]!;
    const ask = await post(`/sources/${id}/delete`, {});
    expect(ask.status).toBe(200);
    expect(ask.text).toContain('Delete Doomed?');
    expect(await storedSecret(id)).toBeDefined();
    const done = await post(`/sources/${id}/delete`, { confirm: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`${admin()}?done=source-deleted#sources`);
    expect(await storedSecret(id)).toBeUndefined();
    const { rows } = await ctx.tdb.pool.query(`select action from audit_log where subject_id = $1 order by at`, [id]);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['event_source.created', 'event_source.deleted']);
  });

  describe('admin API /api/v1/event-sources', () => {
    let adminToken: string;
    let eventsToken: string;
    beforeAll(async () => {
      adminToken = (await createToken(ctx.database.db, { name: 'ops', scopes: ['admin'] })).token;
      eventsToken = (await createToken(ctx.database.db, { name: 'bridge', scopes: ['events'] })).token;
    });

    it('lists, creates (secret once) and deletes with an admin token', async () => {
      const created = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${adminToken}`).send({ kind: 'moodle', name: 'API Moodle', platformId });
      expect(created.status).toBe(201);
      expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(created.body.source).toMatchObject({ kind: 'moodle', name: 'API Moodle', endpoint: `${ctx.config.BASE_URL}/events/moodle/${created.body.source.id}` });
      expect((await deliver(created.body.source.id, created.body.secret)).status).toBe(202);
      const listed = await request(app).get('/api/v1/event-sources').set('Authorization', `Bearer ${adminToken}`);
      expect(listed.status).toBe(200);
      const mine = (listed.body.sources as Array<Record<string, unknown>>).find((s) => s.id === created.body.source.id)!;
      expect(mine).toMatchObject({ status: 'receiving', hasSecret: true });
      expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
      const canvas = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${adminToken}`).send({ kind: 'canvas' });
      expect(canvas.status).toBe(201);
      expect(canvas.body.source.jwksUrl).toBe('https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks');
      expect(canvas.body.secret).toBeUndefined();
      expect((await request(app).delete(`/api/v1/event-sources/${created.body.source.id}`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(204);
      expect((await request(app).delete(`/api/v1/event-sources/${created.body.source.id}`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(404);
      const unknownPlatform = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${adminToken}`).send({ kind: 'moodle', platformId: '00000000-0000-4000-8000-000000000000' });
      expect(unknownPlatform.status).toBe(422);
      expect(unknownPlatform.body.errors).toEqual([expect.objectContaining({ field: 'platformId' })]);
    });

    it('refuses without a token (401), with a non-admin token (403) and a bad body (422)', async () => {
      expect((await request(app).get('/api/v1/event-sources')).status).toBe(401);
      const forbidden = await request(app).get('/api/v1/event-sources').set('Authorization', `Bearer ${eventsToken}`);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
      const bad = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${adminToken}`).send({ kind: 'blackboard' });
      expect(bad.status).toBe(422);
      expect(bad.body.code).toBe('ERR_VALIDATION');
    });
  });
});
