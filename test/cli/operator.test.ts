import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { upsertPlatform, upsertLtiLearner } from '../../src/courses';
import { isOperator } from '../../src/operators';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

const run = promisify(execFile);
const cli = join(__dirname, '..', '..', 'bin', 'laurel');

jest.setTimeout(90_000);

// `laurel operator add|list|remove|link` (issue 15): the people who run Laurel name its operators.
describe('laurel operator', () => {
  let ctx: TestContext;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ctx = await createTestContext({ BASE_URL: 'http://laurel.test' });
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${ctx.tdb.schema}`);
    env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent', BASE_URL: 'http://laurel.test' };
  });
  afterAll(() => ctx.close());

  it('adds, lists and removes an operator by platform and LTI user id', async () => {
    const db = ctx.database.db;
    const platform = await upsertPlatform(db, { issuer: 'https://moodle.ops.edu', clientId: 'ops', name: 'Ops Moodle', lms: 'moodle', authEndpoint: 'https://moodle.ops.edu/a', tokenEndpoint: 'https://moodle.ops.edu/t', jwksUrl: 'https://moodle.ops.edu/k' });
    const person = await upsertLtiLearner(db, { platformId: platform.id, ltiUserId: '42', name: 'Olga Ops' });
    expect(await isOperator(db, { platformId: platform.id, learnerId: person.id })).toBe(false);
    const added = await run(cli, ['operator', 'add', '--platform', platform.id, '--user', '42', '--note', 'Olga'], { env });
    expect(added.stdout).toContain('operator 42 of Ops Moodle');
    expect(await isOperator(db, { platformId: platform.id, learnerId: person.id })).toBe(true);
    const listed = await run(cli, ['operator', 'list', '--json'], { env });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ platformId: platform.id, ltiUserId: '42', note: 'Olga' })]);
    const removed = await run(cli, ['operator', 'remove', '--platform', platform.id, '--user', '42'], { env });
    expect(removed.stdout).toBe('removed 1 operator\n');
    expect(await isOperator(db, { platformId: platform.id, learnerId: person.id })).toBe(false);
    await expect(run(cli, ['operator', 'add', '--platform', 'not-a-uuid', '--user', '42'], { env })).rejects.toMatchObject({ code: 64 });
    await expect(run(cli, ['operator', 'add', '--platform', '00000000-0000-4000-8000-000000000000', '--user', '42'], { env })).rejects.toMatchObject({ code: 2 });
  });

  it('prints a one-time sign-in link: it opens the operator console and the queues once, then never again', async () => {
    const app = await createApp(ctx);
    const { stdout } = await run(cli, ['operator', 'link', '--label', 'first-install', '--minutes', '5'], { env });
    const link = new URL(stdout.trim());
    expect(link.origin + link.pathname).toBe('http://laurel.test/admin/sign-in');
    const secret = link.searchParams.get('token')!;
    // Without signing in, the operator console is closed.
    expect((await request(app).get('/admin').set('Accept', 'text/html')).status).toBe(401);
    // GET only shows a button (link previews must not spend it); POST signs in.
    const shown = await request(app).get(`/admin/sign-in?token=${secret}`);
    expect(shown.status).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    const signedIn = await request(app).post('/admin/sign-in').type('form').send({ token: secret });
    expect(signedIn.status).toBe(303);
    expect(signedIn.headers.location).toBe('/admin');
    const cookie = signedIn.headers['set-cookie']![0]!.split(';')[0]!;
    const console = await request(app).get('/admin').set('Cookie', cookie).set('Accept', 'text/html');
    expect(console.status).toBe(200);
    expect(console.text).toContain('Issuer profile and signing keys');
    expect(console.text).toContain('Register a platform manually');
    expect((await request(app).get('/admin/queues').set('Cookie', cookie)).status).toBe(200);
    // Operator actions work from this console, with its own CSRF token.
    const csrf = /name="_csrf" value="([^"]+)"/.exec(console.text)![1]!;
    const token = await request(app).post('/admin/tokens').set('Cookie', cookie).type('form').send({ _csrf: csrf, name: 'ops-token', scopes: 'admin', reach: 'instance' });
    expect(token.status).toBe(200);
    expect((await request(app).post('/admin/tokens').set('Cookie', cookie).type('form').send({ _csrf: 'forged', name: 'x', scopes: 'admin' })).status).toBe(403);
    // Spent: the same link signs in nobody.
    expect((await request(app).post('/admin/sign-in').type('form').send({ token: secret })).status).toBe(401);
    const { rows } = await ctx.tdb.pool.query(`select actor, action from audit_log where action in ('operator.link_created', 'operator.signed_in') order by at`);
    expect(rows.map((r: { action: string }) => r.action)).toEqual(['operator.link_created', 'operator.signed_in']);
    expect(rows[1].actor).toBe('operator:first-install');
  });
});
