import { createEventSource } from '../../src/events';
import { pointCliAtSchema, runCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('laurel platform add|list|remove', () => {
  let tdb: TestDatabase;
  let restoreUrl = (): void => undefined;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    // The CLI reads DATABASE_URL: point it at this suite's schema.
    restoreUrl = pointCliAtSchema(tdb.schema);
  });
  afterAll(async () => {
    restoreUrl();
    await tdb.close();
  });

  const run = async (...args: string[]): Promise<string> => (await runCli(...args)).out;

  it('adds a platform with deployments, lists it, and removes it (disabled, key deleted, its event sources disabled, audited)', async () => {
    const added = await run(
      'platform', 'add', '--issuer', 'https://moodle.example.edu', '--client-id', 'abc123', '--lms', 'moodle',
      '--auth-endpoint', 'https://moodle.example.edu/mod/lti/auth.php', '--token-endpoint', 'https://moodle.example.edu/mod/lti/token.php',
      '--jwks-url', 'https://moodle.example.edu/mod/lti/certs.php', '--deployment', '3', '--deployment', '4',
    );
    expect(added).toMatch(/platform [0-9a-f-]{36} registered \(active\)/);
    expect(added).toContain('/lti/login');
    const listed = JSON.parse(await run('platform', 'list', '--json')) as Array<{ issuer: string; client_id: string; status: string; deploymentIds: string[] }>;
    expect(listed).toEqual([expect.objectContaining({ issuer: 'https://moodle.example.edu', client_id: 'abc123', status: 'active', deploymentIds: ['3', '4'] })]);
    const keys = await tdb.pool.query("select count(*)::int as n from lti_store where collection in ('publickey', 'privatekey', 'platform')");
    expect(keys.rows[0].n).toBe(3);

    // Removal also stops the platform's event sources and is audited, as in the console and the API.
    const platformId = (listed[0] as unknown as { id: string }).id;
    await tdb.pool.query("insert into platforms (issuer, client_id, name, lms, auth_endpoint, token_endpoint, jwks_url) values ('https://other.example.edu', 'x', 'Other', 'moodle', 'https://other.example.edu/a', 'https://other.example.edu/t', 'https://other.example.edu/j')");
    const other = (await tdb.pool.query("select id from platforms where issuer = 'https://other.example.edu'")).rows[0].id as string;
    await createEventSource(tdb.db, { kind: 'moodle', name: 'ours', platformId });
    await createEventSource(tdb.db, { kind: 'moodle', name: 'theirs', platformId: other });
    expect(await run('platform', 'remove', '--issuer', 'https://moodle.example.edu', '--client-id', 'abc123')).toContain('event sources disabled');
    const after = JSON.parse(await run('platform', 'list', '--json')) as Array<{ issuer: string; status: string }>;
    expect(after.find((p) => p.issuer === 'https://moodle.example.edu')!.status).toBe('disabled');
    const sources = await tdb.pool.query('select name, enabled from event_sources order by name');
    expect(sources.rows).toEqual([{ name: 'ours', enabled: false }, { name: 'theirs', enabled: true }]);
    const audited = await tdb.pool.query("select actor, subject_id, details from audit_log where action = 'platform.removed'");
    expect(audited.rows).toEqual([{ actor: 'cli', subject_id: platformId, details: expect.objectContaining({ eventSourcesDisabled: 1 }) }]);
    // A second removal finds nothing to remove (exit code 2).
    const exit = jest.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
      throw new Error(`exit ${code}`);
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(run('platform', 'remove', '--issuer', 'https://moodle.example.edu', '--client-id', 'abc123')).rejects.toThrow('exit 2');
    } finally {
      exit.mockRestore();
      err.mockRestore();
    }
    const left = await tdb.pool.query("select count(*)::int as n from lti_store where collection in ('publickey', 'privatekey', 'platform')");
    expect(left.rows[0].n).toBe(0);
  });

  it('prints the registration URL with the key, and warns when no key is set', async () => {
    const saved = { key: process.env.REGISTRATION_KEY, base: process.env.BASE_URL };
    const err: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err.push(String(chunk));
      return true;
    });
    try {
      process.env.BASE_URL = 'https://laurel.example.edu';
      process.env.REGISTRATION_KEY = 'abcdefghijklmnop-0123';
      expect(await run('platform', 'registration-url')).toBe('https://laurel.example.edu/lti/register?key=abcdefghijklmnop-0123\n');
      expect(err.join('')).toBe('');
      process.env.REGISTRATION_KEY = '';
      expect(await run('platform', 'registration-url')).toBe('https://laurel.example.edu/lti/register\n');
      expect(err.join('')).toContain('REGISTRATION_KEY is not set');
    } finally {
      spy.mockRestore();
      for (const [name, value] of [['REGISTRATION_KEY', saved.key], ['BASE_URL', saved.base]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('activates only a pending platform', async () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((code?: string | number | null) => {
      throw new Error(`exit ${code}`);
    });
    const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await run(
        'platform', 'add', '--issuer', 'https://canvas.example.edu', '--client-id', 'p1',
        '--auth-endpoint', 'https://canvas.example.edu/auth', '--token-endpoint', 'https://canvas.example.edu/token', '--jwks-url', 'https://canvas.example.edu/jwks',
      );
      const { rows } = await tdb.pool.query<{ id: string }>("update platforms set status = 'pending' where client_id = 'p1' returning id");
      const id = rows[0]!.id;
      expect(await run('platform', 'activate', id)).toContain('is active');
      expect((await tdb.pool.query("select status from platforms where client_id = 'p1'")).rows[0].status).toBe('active');
      await expect(run('platform', 'activate', id)).rejects.toThrow('exit 1');
      expect(err.mock.calls.map((c) => String(c[0])).join('')).toContain('already active');
      await expect(run('platform', 'activate', '00000000-0000-0000-0000-000000000000')).rejects.toThrow('exit 2');
      await expect(run('platform', 'activate', 'nope')).rejects.toThrow('exit 2');
    } finally {
      exit.mockRestore();
      err.mockRestore();
    }
  });
});
