// Token endpoint, NRPS paging and AGS as the tool sees them, in both profiles.
import { generateKeyPair } from 'jose';
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, MEDIA, SCOPES, startPlatform, type EmulatorMember, type Platform, type ProfileName } from './index';

const UA = { 'user-agent': 'Laurel-test/1.0' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

async function setup(profile: ProfileName): Promise<{ platform: Platform; tool: FakeTool; clientId: string }> {
  const [platform, tool] = await Promise.all([startPlatform({ profile }), startFakeTool()]);
  const added = platform.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks` });
  tool.platform = { issuer: platform.issuer, clientId: added.clientId, deploymentIds: [added.deploymentId], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
  return { platform, tool, clientId: added.clientId };
}

async function requestToken(platform: Platform, assertion: string, scope: string, extra: Record<string, string> = {}): Promise<Response> {
  return fetch(platform.endpoints.token, {
    method: 'POST',
    headers: UA,
    body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion, scope, ...extra }),
  });
}

function members(n: number): EmulatorMember[] {
  return Array.from({ length: n }, (_, i) => ({ id: String(1000 + i), name: `Learner ${i}`, email: `l${i}@example.com`, roles: 'Learner' as const }));
}

describe.each<ProfileName>(['moodle', 'canvas'])('%s services', (profile) => {
  let platform: Platform;
  let tool: FakeTool;
  let clientId: string;
  beforeAll(async () => {
    ({ platform, tool, clientId } = await setup(profile));
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  it('issues a token for a client assertion verified against the tool JWKS, granting only permitted scopes', async () => {
    const response = await requestToken(platform, await tool.assertion(), `${SCOPES.score} ${SCOPES.nrps} https://example.com/not-a-scope`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(profile === 'moodle' ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8');
    const body = (await response.json()) as { access_token: string; expires_in: number; scope: string; token_type: string };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: `${SCOPES.score} ${SCOPES.nrps}` });
    if (profile === 'moodle') expect(body.access_token).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses bad client assertions with the profile\'s errors', async () => {
    const { privateKey: otherKey } = await generateKeyPair('RS256');
    const bad = await (await requestToken(platform, await tool.assertion({ key: otherKey }), SCOPES.score)).json();
    expect(bad).toMatchObject({ error: profile === 'moodle' ? 'Signature verification failed' : 'invalid_client' });
    const expired = await (await requestToken(platform, await tool.assertion({ expiresIn: -120 }), SCOPES.score)).json();
    expect(expired).toMatchObject({ error: profile === 'moodle' ? 'Expired token' : 'invalid_grant' });
    expect(await (await requestToken(platform, await tool.assertion({ sub: 'nobody' }), SCOPES.score)).json()).toMatchObject({ error: 'invalid_client' });
    expect(await (await requestToken(platform, await tool.assertion(), SCOPES.score, { grant_type: 'authorization_code' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await (await requestToken(platform, await tool.assertion(), 'https://example.com/only-unknown')).json()).toMatchObject({ error: 'invalid_scope' });
    const replayed = await tool.assertion();
    expect((await requestToken(platform, replayed, SCOPES.score)).status).toBe(200);
    expect((await requestToken(platform, replayed, SCOPES.score)).status).toBe(400);
  });

  it('pages 1,000 NRPS members over 20 pages of 50 by Link rel="next"', async () => {
    platform.nrps.setMembers(course.id, members(1000), course);
    const token = platform.issueAccessToken(clientId, [SCOPES.nrps]);
    let next: string | undefined = `${platform.nrps.url(clientId, course.id)}${profile === 'moodle' ? '?limit=50' : '?limit=1000'}`;
    const seen = new Set<string>();
    let pages = 0;
    while (next) {
      const response: Response = await fetch(next, { headers: { ...UA, authorization: `Bearer ${token}`, accept: MEDIA.membership } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`${MEDIA.membership}; charset=utf-8`);
      const body = (await response.json()) as { members: { user_id: string; roles: string[] }[] };
      expect(body.members.length).toBeLessThanOrEqual(50);
      for (const m of body.members) seen.add(m.user_id);
      pages += 1;
      next = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    }
    expect(pages).toBe(20);
    expect(seen.size).toBe(1000);
    expect(seen.has(platform.ltiUserId({ id: '1000' }))).toBe(true);
  });

  it('answers 401 to NRPS without the membership scope', async () => {
    const token = platform.issueAccessToken(clientId, [SCOPES.score]);
    const response = await fetch(platform.nrps.url(clientId, course.id), { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });

  it('creates a new line item on every POST (not idempotent) and accepts scores on the item path', async () => {
    platform.nrps.setMembers(course.id, [{ id: '4', name: 'Sam Student', roles: 'Learner' }, { id: '3', name: 'Terry Teacher', roles: 'Instructor' }], course);
    const token = platform.issueAccessToken(clientId, [SCOPES.lineItem, SCOPES.score, SCOPES.resultReadonly]);
    const auth = { ...UA, authorization: `Bearer ${token}` };
    const create = () => fetch(platform.ags.url(clientId, course.id), { method: 'POST', headers: { ...auth, 'content-type': MEDIA.lineItem }, body: JSON.stringify({ label: 'Quiz 2', scoreMaximum: 50, tag: 'quiz-2', resourceId: 'q2' }) });
    const [a, b] = [await create(), await create()];
    expect(a.status).toBe(profile === 'moodle' ? 201 : 200);
    const [itemA, itemB] = [(await a.json()) as { id: string }, (await b.json()) as { id: string }];
    expect(itemA.id).not.toBe(itemB.id);
    expect(platform.ags.lineItems(course.id, clientId).filter((i) => i.tag === 'quiz-2')).toHaveLength(2);

    const list = await fetch(`${platform.ags.url(clientId, course.id)}${profile === 'moodle' ? '&' : '?'}resource_id=q2`, { headers: { ...auth, accept: MEDIA.lineItemContainer } });
    expect(((await list.json()) as unknown[]).length).toBe(2);

    const scoresUrl = profile === 'moodle' ? itemA.id.replace('?', '/scores?') : `${itemA.id}/scores`;
    const userId = platform.ltiUserId({ id: '4' });
    const post = (body: object) => fetch(scoresUrl, { method: 'POST', headers: { ...auth, 'content-type': MEDIA.score }, body: JSON.stringify(body) });
    const score = await post({ userId, scoreGiven: 7, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString(), comment: 'Good work' });
    expect(score.status).toBe(200);
    const [received] = platform.ags.scoresFor(itemA.id);
    expect(received).toMatchObject({ userId, scoreGiven: 7, scoreMaximum: 10, comment: 'Good work', userAgent: 'Laurel-test/1.0' });
    // Moodle rescales to the item's maximum (7/10 of 50 = 35); Canvas keeps the tool's values.
    expect(received?.resultScore).toBe(profile === 'moodle' ? 35 : 7);
    const results = await fetch(profile === 'moodle' ? itemA.id.replace('?', '/results?') : `${itemA.id}/results`, { headers: { ...auth, accept: MEDIA.resultContainer } });
    expect(await results.json()).toEqual([expect.objectContaining({ userId, resultScore: profile === 'moodle' ? 35 : 7, resultMaximum: profile === 'moodle' ? 50 : 10 })]);

    if (profile === 'canvas') {
      const { resultUrl } = (await score.json()) as { resultUrl: string };
      const single = await fetch(resultUrl, { headers: auth });
      expect(await single.json()).toMatchObject({ userId, resultScore: 7, scoreOf: itemA.id });
    }

    const teacherScore = await post({ userId: platform.ltiUserId({ id: '3' }), scoreGiven: 1, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date(Date.now() + 5000).toISOString() });
    expect(teacherScore.status).toBe(profile === 'moodle' ? 400 : 422);
    const older = await post({ userId, scoreGiven: 1, scoreMaximum: 10, activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date(Date.now() - 3_600_000).toISOString() });
    expect(older.status).toBe(profile === 'moodle' ? 409 : 400);
  });

  it('throttles on demand with Retry-After', async () => {
    platform.failNext({ service: 'ags', status: 429, retryAfter: 2 });
    const token = platform.issueAccessToken(clientId, [SCOPES.lineItem]);
    const get = () => fetch(platform.ags.url(clientId, course.id), { headers: { authorization: `Bearer ${token}`, accept: MEDIA.lineItemContainer } });
    const first = await get();
    expect(first.status).toBe(429);
    expect(first.headers.get('retry-after')).toBe('2');
    expect((await get()).status).toBe(200);
  });
});

describe('Moodle AGS quirks', () => {
  let platform: Platform;
  let tool: FakeTool;
  let clientId: string;
  beforeAll(async () => {
    ({ platform, tool, clientId } = await setup('moodle'));
    platform.nrps.setMembers(course.id, [{ id: '4', name: 'Sam Student', roles: 'Learner' }], course);
    for (const label of ['A', 'B', 'C', 'D']) platform.ags.createLineItem({ contextId: course.id, clientId, label, scoreMaximum: 10 });
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  it('pages line items with HTML-escaped URLs, curly-quoted rels and last off by one', async () => {
    const token = platform.issueAccessToken(clientId, [SCOPES.lineItemReadonly]);
    const response = await fetch(`${platform.ags.url(clientId, course.id)}&limit=2`, { headers: { authorization: `Bearer ${token}`, accept: MEDIA.lineItemContainer } });
    const link = Buffer.from(response.headers.get('link') ?? '', 'latin1').toString('utf8');
    expect(link).toContain('&amp;limit=2&amp;from=2>; rel=“next”');
    expect(link).toContain('&amp;limit=2&amp;from=3>; rel=“last”');
    const raw = await response.text();
    expect(raw).toContain('\\/mod\\/lti\\/services.php');
    const items = JSON.parse(raw) as { id: string; resourceId: string; tag: string }[];
    expect(items).toHaveLength(2);
    expect(items[0]).toMatchObject({ resourceId: '', tag: '' });
    expect(items[0]?.id).toMatch(/\/lineitem\?type_id=\d+$/);
  });

  it('answers 400 with Moodle\'s error body for a wrong Accept', async () => {
    const token = platform.issueAccessToken(clientId, [SCOPES.lineItemReadonly]);
    const response = await fetch(platform.ags.url(clientId, course.id), { headers: { authorization: `Bearer ${token}`, accept: '*/*' } });
    expect(response.status).toBe(400);
    expect(response.statusText).toBe('No context or unsupported content type');
    expect(await response.json()).toMatchObject({ status: 400, reason: 'No context or unsupported content type', request: { method: 'GET', accept: '*/*' } });
  });

  it('answers NRPS ?rlid= for known links only, and the legacy JSON-LD on the old media type', async () => {
    const token = platform.issueAccessToken(clientId, [SCOPES.nrps]);
    const get = (query: string, accept: string = MEDIA.membership) => fetch(`${platform.nrps.url(clientId, course.id)}${query}`, { headers: { authorization: `Bearer ${token}`, accept } });
    const unknown = await get('?rlid=99999');
    expect(unknown.status).toBe(404);
    expect(unknown.statusText).toBe("Not Found: LTI link 99999 doesn't exist");
    await browse(platform.launchUrl({ clientId, user: { id: '4', name: 'Sam Student' }, roles: 'Learner', context: course, resourceLink: { id: '10' } }));
    const known = (await (await get('?rlid=10')).json()) as { members: { message: unknown[] }[] };
    expect(known.members[0]?.message).toHaveLength(1);
    const legacy = (await (await get('', 'application/vnd.ims.lis.v2.membershipcontainer+json')).json()) as Record<string, unknown>;
    expect(legacy['@type']).toBe('Page');
  });

  it('drops the result of a score that is not FullyGraded', async () => {
    const item = platform.ags.createLineItem({ contextId: course.id, clientId, label: 'E', scoreMaximum: 20 });
    const userId = platform.ltiUserId({ id: '4' });
    platform.ags.setResult(item.id, { userId, scoreGiven: 9, scoreMaximum: 10 });
    expect(platform.ags.resultsFor(item.url)).toEqual([expect.objectContaining({ resultScore: 18, resultMaximum: 20 })]);
    const token = platform.issueAccessToken(clientId, [SCOPES.score]);
    const response = await fetch(item.url.replace('?', '/scores?'), {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': MEDIA.score },
      body: JSON.stringify({ userId, scoreGiven: 5, scoreMaximum: 10, activityProgress: 'Submitted', gradingProgress: 'Pending', timestamp: new Date(Date.now() + 2000).toISOString() }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(platform.ags.resultsFor(item.id)).toEqual([]);
  });
});
