import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createApp } from '../../src/app';
import { createToken, listTokens } from '../../src/tokens';
import { createTestContext, type TestContext } from '../support/context';

const run = promisify(execFile);
const cli = join(__dirname, '..', '..', 'bin', 'laurel');

jest.setTimeout(90_000);

describe('API tokens', () => {
  let ctx: TestContext;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    ctx = await createTestContext();
    // The CLI reaches this suite's schema through the connection string's `options`.
    const url = new URL(process.env.DATABASE_URL!);
    url.searchParams.set('options', `-c search_path=${ctx.tdb.schema}`);
    env = { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'silent' };
  });
  afterAll(() => ctx.close());

  it('`laurel token create` prints a token alone that authenticates an API call; a revoked one gets 401', async () => {
    const { stdout } = await run(cli, ['token', 'create', '--name', 'ci', '--scopes', 'admin'], { env });
    const token = stdout.trim();
    expect(token).toMatch(/^lrl_[A-Za-z0-9_-]{43}$/);
    expect(stdout).toBe(`${token}\n`);

    const app = await createApp(ctx);
    const ok = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('laurel_http_request_duration_seconds');

    const listed = await run(cli, ['token', 'list', '--json'], { env });
    const [record] = JSON.parse(listed.stdout) as { id: string; name: string; scopes: string[] }[];
    expect(record).toMatchObject({ name: 'ci', scopes: ['admin'] });
    expect(listed.stdout).not.toContain(token);

    await run(cli, ['token', 'revoke', record!.id], { env });
    const revoked = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('refuses a missing token with 401 and a token without the scope with 403', async () => {
    const app = await createApp(ctx);
    const missing = await request(app).get('/metrics');
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer');
    const { token } = await createToken(ctx.database.db, { name: 'events-only', scopes: ['events'] });
    const forbidden = await request(app).get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
    const forged = await request(app).get('/metrics').set('Authorization', 'Bearer lrl_forged');
    expect(forged.status).toBe(401);
  });

  it('stores only a hash of the token', async () => {
    const { token } = await createToken(ctx.database.db, { name: 'hash-check', scopes: ['metrics'] });
    const rows = await ctx.database.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await listTokens(ctx.database.db)).map((t) => t.name)).toContain('hash-check');
  });

  it('rejects bad CLI flags with a clear message', async () => {
    await expect(run(cli, ['token', 'create', '--name', 'x', '--scopes', 'root'], { env })).rejects.toMatchObject({
      code: 64,
      stderr: expect.stringContaining('--scopes must be a comma-separated list of admin, events, transcripts, metrics'),
    });
  });
});
