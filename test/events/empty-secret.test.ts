import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import { clearEventSourceCache, createEventSource, sealPlaintextSecrets, signMoodleBody } from '../../src/events';
import { LaurelError } from '../../src/errors';
import { createToken } from '../../src/tokens';
import type { TestContext } from '../support/context';
import { runCli } from '../support/cli';
import { createAdminConsoleFixture, type AdminConsoleFixture } from '../ui/support';

jest.setTimeout(60_000);

const moodlePayload = readFileSync(join(__dirname, 'fixtures', 'moodle-user_graded.json'), 'utf8');

/** Issue 11: a Moodle source never has an empty shared secret (an empty HMAC key lets anyone sign grades). */
describe('an event source with an empty secret is refused', () => {
  let ctx: TestContext;
  let app: Express;
  let cookie: string;
  let courseId: string;
  let fixture: AdminConsoleFixture;
  let token: string;

  beforeAll(async () => {
    fixture = await createAdminConsoleFixture();
    ({ ctx, app, cookie, courseId } = fixture);
    token = (await createToken(ctx.database.db, { name: 'sources', scopes: ['admin'] })).token;
  });
  afterAll(() => fixture.close());
  beforeEach(() => clearEventSourceCache());

  const deliver = (sourceId: string, secret: string) => {
    const timestamp = Math.floor(Date.now() / 1000);
    return request(app).post(`/events/moodle/${sourceId}`).set('Content-Type', 'application/json').set('X-Laurel-Timestamp', String(timestamp))
      .set('X-Laurel-Signature', signMoodleBody({ secret, timestamp, body: moodlePayload })).send(moodlePayload);
  };
  const count = async () => Number((await ctx.tdb.pool.query('select count(*) from event_sources')).rows[0].count);

  it('API: an empty, blank or short secret is a 422 naming the field; a chosen secret of 16+ characters works', async () => {
    const before = await count();
    for (const secret of ['', '                    ', 'short']) {
      const res = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${token}`).send({ kind: 'moodle', name: 'Empty', secret });
      expect(res.status).toBe(422);
      expect(res.body.code).toBe('ERR_VALIDATION');
      expect(JSON.stringify(res.body)).toContain('secret');
    }
    expect(await count()).toBe(before);
    const chosen = 'the-plugin-already-has-this-0123';
    const created = await request(app).post('/api/v1/event-sources').set('Authorization', `Bearer ${token}`).send({ kind: 'moodle', name: 'Chosen', secret: chosen });
    expect(created.status).toBe(201);
    expect(created.body.secret).toBe(chosen);
    expect((await deliver(created.body.source.id, chosen)).status).toBe(202);
  });

  it('console: a blank secret is refused with a field error and never echoed; an empty field means "generate one"', async () => {
    const post = async (form: Record<string, string>) => request(app).post(`/lti/courses/${courseId}/admin/sources/moodle`).set('Cookie', cookie).set('Accept', 'text/html').type('form').send({ ...form, _csrf: await fixture.csrfToken() });
    const before = await count();
    const blank = await post({ name: 'Blank', secret: '                    ' });
    expect(blank.status).toBe(422);
    expect(blank.text).toContain('A shared secret cannot contain spaces.');
    expect(await count()).toBe(before);
    const generated = await post({ name: 'Generated', secret: '' });
    expect(generated.status).toBe(201);
    expect(/id="new-source-secret" value="([A-Za-z0-9_-]{43})"/.test(generated.text)).toBe(true);
  });

  it('CLI: --secret "" exits 64 with the reason, before touching the database', async () => {
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => { throw new Error(`exit ${code}`); }) as never);
    try {
      await expect(runCli('events', 'source', 'add', '--kind', 'moodle', '--secret', '')).rejects.toThrow('exit 64');
      expect(stderr.mock.calls.map((c) => String(c[0])).join('')).toContain('--secret needs at least 16 characters');
    } finally {
      stderr.mockRestore();
      exit.mockRestore();
    }
  });

  it('domain and database: createEventSource and a direct insert refuse an empty secret', async () => {
    await expect(createEventSource(ctx.database.db, { kind: 'moodle', secret: '', keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    await expect(createEventSource(ctx.database.db, { kind: 'moodle', secret: '', keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })).rejects.toBeInstanceOf(LaurelError);
    await expect(ctx.tdb.pool.query(`insert into event_sources (kind, secret) values ('moodle', '')`)).rejects.toMatchObject({ code: '23514' });
  });

  it('intake: an old row with an empty secret refuses deliveries signed with the empty key (401) and records why', async () => {
    // Such a row predates migration 600's check (NOT VALID): recreate one as it could exist.
    await ctx.tdb.pool.query('alter table event_sources drop constraint event_sources_moodle_secret_not_empty');
    const id = (await ctx.tdb.pool.query(`insert into event_sources (kind, name, secret) values ('moodle', 'Old', '') returning id`)).rows[0].id as string;
    await ctx.tdb.pool.query(`alter table event_sources add constraint event_sources_moodle_secret_not_empty check (kind <> 'moodle' or secret <> '') not valid`);
    const before = Number((await ctx.tdb.pool.query('select count(*) from score_events')).rows[0].count);
    const forged = await deliver(id, '');
    expect(forged.status).toBe(401);
    expect(forged.body.code).toBe('ERR_EVENT_SIGNATURE');
    expect(forged.body.detail).toContain('no usable shared secret');
    // Bootstrap seals plaintext secrets: sealed, the empty secret is still refused, and the reason recorded.
    expect(await sealPlaintextSecrets(ctx.database.db, { keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY })).toBe(1);
    clearEventSourceCache();
    expect((await deliver(id, '')).status).toBe(401);
    expect(Number((await ctx.tdb.pool.query('select count(*) from score_events')).rows[0].count)).toBe(before);
    const row = (await ctx.tdb.pool.query('select last_error from event_sources where id = $1', [id])).rows[0] as { last_error: string | null };
    expect(row.last_error).toContain('no usable shared secret');
  });
});
