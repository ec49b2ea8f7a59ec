import { sql } from 'kysely';
import type { LtiIdToken } from 'ltijs';
import { upsertDeployment, upsertPlatform, type Platform } from '../../src/courses';
import { LaurelError } from '../../src/errors';
import { clearServiceTokenCaches, PgLtiStore, serviceClients, type ServiceClients } from '../../src/lti';
import { recordLaunch } from '../../src/lti/launch';
import { AgsClient } from '../../src/lti/ags';
import { platformHttp, readJson } from '../../src/lti/http';
import { pinnedToPlatform, platformServiceHosts } from '../../src/lti/service-hosts';
import type { AccessTokenSource } from '../../src/lti/service-token';
import { membershipPages } from '../../src/lti/nrps';
import { createOutboundFetch, type LookupFunction } from '../../src/outbound';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { record } from './summary';

jest.setTimeout(60_000);

/**
 * Issue 15 attack suite: outbound calls that cannot be turned against Laurel. AGS/NRPS service URLs and
 * their `Link` pages stay on the hosts the platform registered or its verified launches named (Canvas
 * serves AGS from the institution's host, which only launches name); addresses are checked at connect
 * time (DNS rebinding). No traffic leaves the process: the LMS is a transport that answers by URL.
 */
describe('outbound: service URLs pinned to the platform, addresses checked at connect time', () => {
  let tdb: TestDatabase;
  let canvas: Platform;
  let other: Platform;
  const calls: string[] = [];
  const warnings: unknown[] = [];
  const tally = { tried: 0, refused: 0, failures: 0 };

  const SCHOOL = 'https://school.instructure.com/api/lti/courses/7';
  const routes: Record<string, () => Response> = {
    'https://sso.canvaslms.com/login/oauth2/token': () => Response.json({ access_token: 'token-123', expires_in: 3600 }),
    [`${SCHOOL}/line_items`]: () => Response.json([{ id: `${SCHOOL}/line_items/1`, label: 'Quiz', scoreMaximum: 10 }], { headers: { link: `<${SCHOOL}/line_items?page=2>; rel="next"` } }),
    [`${SCHOOL}/line_items?page=2`]: () => Response.json([{ id: `${SCHOOL}/line_items/2`, label: 'Exam', scoreMaximum: 10 }]),
    [`${SCHOOL}/names_and_roles`]: () => Response.json({ members: [{ user_id: 'u1', roles: [] }] }, { headers: { link: '<https://attacker.example/steal?page=2>; rel="next"' } }),
    [`${SCHOOL}/names_and_roles?to=b`]: () => Response.json({ members: [] }, { headers: { link: '<https://b-college.example/api/nrps?page=2>; rel="next"' } }),
  };
  const transport = (async (input: string | URL) => {
    const url = String(input);
    calls.push(url);
    return routes[url]?.() ?? new Response('secret internal page', { status: 404 });
  }) as typeof fetch;

  async function launch(platform: Platform, deploymentId: string, services: { lineitems: string; nrps: string }) {
    const token = {
      iss: platform.issuer, clientId: platform.client_id, deploymentId, user: 'teacher-1',
      platformInfo: { product_family_code: 'canvas' }, userInfo: { name: 'Terry Teacher' },
      platformContext: {
        context: { id: `ctx-${platform.id}`, title: 'Biology' },
        roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'],
        custom: {},
        endpoint: { lineitems: services.lineitems, scope: [] },
        namesRoles: { context_memberships_url: services.nrps },
      },
    } as unknown as LtiIdToken;
    return recordLaunch(tdb.db, token);
  }

  let wired: ServiceClients;
  let clients: Pick<ServiceClients, 'http' | 'ags'> & { tokens: AccessTokenSource };
  beforeAll(async () => {
    tdb = await createTestDatabase();
    const db = tdb.db;
    canvas = await upsertPlatform(db, { issuer: 'https://canvas.instructure.com', clientId: '10000000000001', name: 'Canvas', lms: 'canvas', authEndpoint: 'https://sso.canvaslms.com/api/lti/authorize_redirect', tokenEndpoint: 'https://sso.canvaslms.com/login/oauth2/token', jwksUrl: 'https://sso.canvaslms.com/api/lti/security/jwks' });
    other = await upsertPlatform(db, { issuer: 'https://b-college.example', clientId: 'b', name: 'B College', lms: 'moodle', authEndpoint: 'https://b-college.example/auth', tokenEndpoint: 'https://b-college.example/token', jwksUrl: 'https://b-college.example/jwks' });
    await upsertDeployment(db, { platformId: canvas.id, deploymentId: 'd1' });
    await upsertDeployment(db, { platformId: other.id, deploymentId: 'd2' });
    // Verified launches name the service hosts: Canvas's institution host, and B's own.
    await launch(canvas, 'd1', { lineitems: `${SCHOOL}/line_items`, nrps: `${SCHOOL}/names_and_roles` });
    await launch(other, 'd2', { lineitems: 'https://b-college.example/ags', nrps: 'https://b-college.example/api/nrps' });
    const store = new PgLtiStore(db);
    await store.setup();
    clearServiceTokenCaches();
    wired = serviceClients({ store, keyEncryptionKey: 'k'.repeat(64), userAgent: 'Laurel/test', fetch: transport, logger: { warn: (obj: unknown) => void warnings.push(obj) } as never }, canvas);
    // The same pinning around the same HTTP, with a bearer token that needs no registered tool key.
    const http = pinnedToPlatform(platformHttp({ userAgent: 'Laurel/test', fetch: transport }), canvas.id, () => platformServiceHosts(db, canvas), (refusal) => warnings.push(refusal));
    const tokens = { token: async () => 'token-123' };
    clients = { http, tokens, ags: new AgsClient({ http, tokens }) };
  });
  afterAll(async () => {
    clearServiceTokenCaches();
    record('outbound calls (hosts, addresses)', tally);
    await tdb?.close();
  });

  /** Runs an attack that must be refused with our own message, the cause naming why. */
  async function refused(name: string, attempt: () => Promise<unknown>, message: RegExp, cause: RegExp) {
    tally.tried++;
    const error = await attempt().then(() => undefined, (e: unknown) => e);
    const ok = error instanceof LaurelError && message.test(error.message) && cause.test(String((error.cause as Error | undefined)?.message)) && !/secret internal page/.test(error.message);
    if (ok) tally.refused++;
    else tally.failures++;
    expect({ name, refused: ok, got: error instanceof Error ? `${error.message} / ${String((error.cause as Error | undefined)?.message)}` : error }).toMatchObject({ name, refused: true });
  }

  it('records the hosts a verified launch names, per platform', async () => {
    const hosts = (await sql<{ platform_id: string; host: string }>`select platform_id, host from platform_service_hosts order by host`.execute(tdb.db)).rows;
    expect(hosts.filter((h) => h.platform_id === canvas.id).map((h) => h.host)).toEqual(['school.instructure.com']);
    expect(hosts.filter((h) => h.platform_id === other.id).map((h) => h.host)).toEqual(['b-college.example']);
  });

  it('follows a Link next page on the host the launch named (Canvas serves AGS from the institution host)', async () => {
    const items = await clients.ags.listLineItems(`${SCHOOL}/line_items`);
    expect(items.map((i) => i.label)).toEqual(['Quiz', 'Exam']);
    expect(calls).toContain(`${SCHOOL}/line_items?page=2`);
  });

  it('refuses Link pages and service URLs on hosts the platform never registered or launched from', async () => {
    calls.length = 0;
    await refused('Link rel=next to an attacker host', async () => {
      for await (const page of membershipPages(clients, `${SCHOOL}/names_and_roles`)) void page;
    }, /next page on another host|is not one of them/, /attacker\.example/);
    await refused('Link rel=next to another platform\'s host', async () => {
      for await (const page of membershipPages(clients, `${SCHOOL}/names_and_roles?to=b`)) void page;
    }, /next page on another host|is not one of them/, /b-college\.example/);
    await refused('service URL on another platform\'s host', () => clients.ags.listLineItems('https://b-college.example/ags'), /is not one of them/, /b-college\.example/);
    await refused('service URL on an unknown host', () => clients.ags.postScore('https://evil.example/line_items/1', { userId: 'u1', scoreGiven: 1, scoreMaximum: 1, timestamp: new Date().toISOString() }), /is not one of them/, /evil\.example/);
    await refused('service URL on a look-alike host', () => clients.ags.readResults('https://school.instructure.com.evil.example/api/lti/courses/7/line_items/1'), /is not one of them/, /school\.instructure\.com\.evil\.example/);
    await refused('service URL on the registered host but another port', () => clients.ags.listLineItems('https://school.instructure.com:8443/api/lti/courses/7/line_items'), /is not one of them/, /school\.instructure\.com:8443/);
    await refused('any call of the wired service clients to an unknown host', () => wired.http('https://evil.example/api/lti/courses/7/line_items'), /is not one of them/, /evil\.example/);
    // Nothing (not even the bearer token request) went to a refused host; refusals of service URLs are logged with the platform and host (a Link to another host is refused earlier, by nextPage, with the cause on the error).
    expect(calls.filter((c) => !/^https:\/\/(school\.instructure\.com|sso\.canvaslms\.com)\//.test(c))).toEqual([]);
    expect(warnings).toEqual(expect.arrayContaining([expect.objectContaining({ platformId: canvas.id, host: 'b-college.example' }), expect.objectContaining({ platformId: canvas.id, host: 'evil.example' })]));
  });

  it('refuses private addresses reached by DNS rebinding at connect time, and never echoes the remote body', async () => {
    const rebinding: LookupFunction = (_host, _options, callback) => callback(null, [{ address: '169.254.169.254', family: 4 }]);
    const looped: LookupFunction = (_host, _options, callback) => callback(null, [{ address: '10.0.0.5', family: 4 }]);
    const production = { allowHttp: false, allowLoopback: false, allowedPrivateHosts: [], resolve: async () => ['93.184.216.34'] };
    await refused('rebinding to the cloud metadata address', () => createOutboundFetch({ ...production, lookup: rebinding })('https://lms.example/latest/meta-data/'), /^Laurel refused to call this address\.$/, /linkLocal.*at connect time/);
    await refused('rebinding to a private address', () => createOutboundFetch({ ...production, lookup: looped })('https://lms.example/api/lti/jwks'), /^Laurel refused to call this address\.$/, /private.*at connect time/);
    await refused('remote error body not echoed', async () => {
      await readJson(new Response('secret internal page', { status: 500 }), 'list line items');
    }, /^The LMS refused to list line items \(HTTP 500\)\.$/, /secret internal page/);
  });
});
