import { sql } from 'kysely';
import { pointCliAtSchema, runCli } from '../support/cli';
import { createTestDatabase, type TestDatabase } from '../support/db';

// `laurel issuer bind|unbind` repoints the platform's achievements (badges' table) through the hook the
// composition root registers: this suite loads only the CLI, so it proves the command wires it.
describe('laurel issuer bind|unbind', () => {
  let tdb: TestDatabase;
  let restoreUrl = (): void => undefined;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    restoreUrl = pointCliAtSchema(tdb.schema);
  });
  afterAll(async () => {
    restoreUrl();
    await tdb.close();
  });

  const issuerOf = async (id: string) => (await sql<{ issuer_id: string | null }>`select issuer_id from achievements where id = ${id}`.execute(tdb.db)).rows[0]!.issuer_id;

  it('binds a platform to its own issuer and back: only that platform’s achievements follow', async () => {
    const platform = async (issuer: string) => (await sql<{ id: string }>`insert into platforms (issuer, client_id, name, auth_endpoint, token_endpoint, jwks_url, registration)
      values (${issuer}, 'c', 'P', 'https://x/auth', 'https://x/token', 'https://x/jwks', '{}') returning id`.execute(tdb.db)).rows[0]!.id;
    const course = async (platformId: string) => (await sql<{ id: string }>`insert into courses (platform_id, title) values (${platformId}, 'Course') returning id`.execute(tdb.db)).rows[0]!.id;
    const achievement = async (courseId: string) => (await sql<{ id: string }>`insert into achievements (course_id, name, description, criteria_narrative) values (${courseId}, 'B', 'd', 'n') returning id`.execute(tdb.db)).rows[0]!.id;
    const alpha = await platform('https://alpha.example.edu');
    const beta = await platform('https://beta.example.edu');
    const alphaBadge = await achievement(await course(alpha));
    const betaBadge = await achievement(await course(beta));

    const bound = await runCli('issuer', 'bind', '--platform', alpha, '--name', 'Alpha University');
    expect(bound.exitCode).toBe(0);
    const issuerId = bound.out.split(/\s+/)[0]!;
    expect(issuerId).toMatch(/^p-[0-9a-f]{12}$/);
    expect(await issuerOf(alphaBadge)).toBe(issuerId);
    expect(await issuerOf(betaBadge)).toBeNull();

    const unbound = await runCli('issuer', 'unbind', '--platform', alpha);
    expect(unbound.exitCode).toBe(0);
    const defaultIssuer = (await sql<{ id: string }>`select id from credential_issuers where platform_id is null and id <> ${issuerId}`.execute(tdb.db)).rows[0]!.id;
    expect(await issuerOf(alphaBadge)).toBe(defaultIssuer);
    expect(await issuerOf(betaBadge)).toBeNull();
  });
});
