import { buildProgram } from '../../src/cli/main';
import { createTestDatabase, type TestDatabase } from '../support/db';

describe('laurel platform add|list|remove', () => {
  let tdb: TestDatabase;
  let savedUrl: string | undefined;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    savedUrl = process.env.DATABASE_URL;
    // The CLI reads DATABASE_URL: point it at this suite's schema.
    process.env.DATABASE_URL = `${savedUrl}${savedUrl!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${tdb.schema}`)}`;
  });
  afterAll(async () => {
    process.env.DATABASE_URL = savedUrl;
    await tdb.close();
  });

  async function run(...args: string[]): Promise<string> {
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await buildProgram().parseAsync(['node', 'laurel', ...args]);
    } finally {
      spy.mockRestore();
    }
    return out.join('');
  }

  it('adds a platform with deployments, lists it, and removes it (disabled, key deleted)', async () => {
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

    expect(await run('platform', 'remove', '--issuer', 'https://moodle.example.edu', '--client-id', 'abc123')).toContain('disabled');
    const after = JSON.parse(await run('platform', 'list', '--json')) as Array<{ status: string }>;
    expect(after[0]!.status).toBe('disabled');
    const left = await tdb.pool.query("select count(*)::int as n from lti_store where collection in ('publickey', 'privatekey', 'platform')");
    expect(left.rows[0].n).toBe(0);
  });
});
