import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { pointCliAtSchema, runCli } from '../support/cli';
import { browse, startPlatform, type Platform } from '../emulator';
import { hasStackTrace, startLaurel, TEST_REGISTRATION_KEY, type RunningLaurel } from './laurel';

/** An "LMS" on loopback that records every request and answers with what the test sets. */
type Answer = (url: string, path: string) => { status: number; body: string };

async function startConfigServer(): Promise<{ url: string; seen: IncomingMessage[]; set(answer: Answer): void; close(): Promise<void> }> {
  const seen: IncomingMessage[] = [];
  let handler: Answer = () => ({ status: 404, body: '{}' });
  const server: Server = createServer((req, res) => {
    seen.push(req);
    const { status, body } = handler(url, req.url ?? '/');
    res.writeHead(status, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    set: (fn) => void (handler = fn),
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

const platformCount = async (laurel: RunningLaurel) => (await sql<{ n: number }>`select count(*)::int as n from platforms`.execute(laurel.ctx.database.db)).rows[0]!.n;

describe('LTI Dynamic Registration: registration key and URL checks', () => {
  let laurel: RunningLaurel;
  let lms: Awaited<ReturnType<typeof startConfigServer>>;

  beforeAll(async () => {
    laurel = await startLaurel();
    lms = await startConfigServer();
  });
  afterAll(async () => {
    await lms?.close();
    await laurel?.close();
  });
  beforeEach(() => {
    lms.seen.length = 0;
  });

  const register = (query: Record<string, string>) => fetch(`${laurel.url}/lti/register?${new URLSearchParams(query).toString()}`, { headers: { accept: 'text/html' } });

  it.each([
    ['no key', {}],
    ['a wrong key', { key: 'not-the-registration-key' }],
    ['an empty key', { key: '' }],
    ['the key with a suffix', { key: `${TEST_REGISTRATION_KEY}x` }],
  ])('answers 403 with a clear page to %s and fetches nothing', async (_name, extra) => {
    const response = await register({ openid_configuration: `${lms.url}/openid-configuration`, registration_token: 't', ...extra });
    expect(response.status).toBe(403);
    const body = await response.text();
    expect(body).toContain('registration link is not valid');
    expect(body).toContain('REGISTRATION_KEY');
    expect(hasStackTrace(body)).toBe(false);
    expect(lms.seen).toHaveLength(0);
    expect(await platformCount(laurel)).toBe(0);
    expect(laurel.logs.some((l) => l.msg === 'LTI dynamic registration refused' && l.reason === 'REGISTRATION_KEY')).toBe(true);
  });

  it('refuses a configuration whose issuer is on another host, before posting any registration', async () => {
    lms.set((url) => ({ status: 200, body: JSON.stringify({ issuer: 'https://other-lms.example.org', authorization_endpoint: `${url}/auth`, token_endpoint: `${url}/token`, jwks_uri: `${url}/jwks`, registration_endpoint: `${url}/register` }) }));
    const response = await register({ key: TEST_REGISTRATION_KEY, openid_configuration: `${lms.url}/openid-configuration`, registration_token: 't' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('not on the host of its openid_configuration URL');
    expect(lms.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /openid-configuration']);
    expect(await platformCount(laurel)).toBe(0);
  });

  it('refuses an answer larger than 256 kB', async () => {
    lms.set(() => ({ status: 200, body: JSON.stringify({ padding: 'x'.repeat(300 * 1024) }) }));
    const response = await register({ key: TEST_REGISTRATION_KEY, openid_configuration: `${lms.url}/openid-configuration` });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('larger than 256 kB');
    expect(await platformCount(laurel)).toBe(0);
  });

  it('refuses a non-http openid_configuration without fetching it', async () => {
    const response = await register({ key: TEST_REGISTRATION_KEY, openid_configuration: 'file:///etc/passwd' });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('must be an https URL');
  });

  it('registers with the key through the emulator', async () => {
    const platform = await startPlatform({ profile: 'canvas' });
    try {
      const { clientId } = await platform.registerTool({ registrationUrl: laurel.registrationUrl });
      const rows = await sql<{ client_id: string; status: string }>`select client_id, status from platforms`.execute(laurel.ctx.database.db);
      expect(rows.rows).toEqual([{ client_id: clientId, status: 'active' }]);
      // The request log keeps the path but not the key (nor the LMS's registration token).
      const requestLines = laurel.logs.filter((l) => JSON.stringify(l).includes('/lti/register?'));
      expect(requestLines.length).toBeGreaterThan(0);
      expect(JSON.stringify(laurel.logs)).not.toContain(TEST_REGISTRATION_KEY);
      expect(JSON.stringify(requestLines)).toContain('key=[redacted]');
    } finally {
      await platform.close();
    }
  });
});

describe('REGISTRATION_APPROVAL=manual: pending until activated with the CLI', () => {
  let laurel: RunningLaurel;
  let platform: Platform;
  let restoreUrl = (): void => undefined;

  beforeAll(async () => {
    laurel = await startLaurel({ REGISTRATION_APPROVAL: 'manual' });
    platform = await startPlatform({ profile: 'moodle' });
    // The CLI reads DATABASE_URL: point it at this Laurel's schema.
    restoreUrl = pointCliAtSchema(laurel.ctx.tdb.schema);
  });
  afterAll(async () => {
    restoreUrl();
    await platform?.close();
    await laurel?.close();
  });

  const cli = async (...args: string[]): Promise<string> => (await runCli(...args)).out;

  it('creates the platform pending, refuses its launches, and accepts them once `laurel platform activate` ran', async () => {
    const { clientId } = await platform.registerTool({ registrationUrl: laurel.registrationUrl });
    platform.activateTool(clientId);
    const rows = await sql<{ id: string; status: string }>`select id, status from platforms where client_id = ${clientId}`.execute(laurel.ctx.database.db);
    expect(rows.rows).toEqual([{ id: expect.any(String), status: 'pending' }]);
    const platformId = rows.rows[0]!.id;

    const launchUrl = platform.launchUrl({ clientId, user: { id: '4', name: 'Sam Student', email: 's@example.com' }, roles: 'Learner', context: { id: '2', label: 'LAB', title: 'Lab' }, resourceLink: { id: '10', title: 'Badges' } });
    const refused = await browse(launchUrl);
    expect(refused.status).toBe(401);
    expect(refused.body).toContain('not active');
    expect(hasStackTrace(refused.body)).toBe(false);

    expect(await cli('platform', 'activate', platformId)).toContain(`platform ${platformId}`);
    const after = await sql<{ status: string }>`select status from platforms where id = ${platformId}`.execute(laurel.ctx.database.db);
    expect(after.rows[0]!.status).toBe('active');
    const audited = await sql<{ actor: string }>`select actor from audit_log where action = 'platform.activated' and subject_id = ${platformId}`.execute(laurel.ctx.database.db);
    expect(audited.rows).toEqual([{ actor: 'cli' }]);

    const launched = await browse(launchUrl);
    expect(launched.status).toBe(200);
    expect(launched.url).toMatch(/\/lti\/courses\/[0-9a-f-]{36}\/learner$/);
  });
});
