// The emulator's id_tokens against the recorded ones in ../shared/fixtures: same claims, in the same order
// (Moodle), with the same shapes and stable values. Skips when the fixtures are absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, MEDIA, SCOPES, startPlatform, type Platform } from './index';

const fixtures = join(projectRoot, '..', 'shared', 'fixtures');
const have = existsSync(join(fixtures, 'moodle-4.5')) && existsSync(join(fixtures, 'canvas', 'lti'));
if (!have) console.warn(`SKIP emulator fixture conformance: no fixtures at ${fixtures}`);

const read = (...parts: string[]): Record<string, unknown> => JSON.parse(readFileSync(join(fixtures, ...parts), 'utf8')) as Record<string, unknown>;

/** The shape of a JSON value: types, object keys (in order) and array element shapes; URLs and ids abstracted. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shape(v)]));
  return value === null ? 'null' : typeof value;
}

async function launchPayload(platform: Platform, tool: FakeTool, custom: Record<string, string>, scopes: string[], launch: Parameters<Platform['launchUrl']>[0] extends infer O ? Omit<O & object, 'clientId'> : never): Promise<Record<string, unknown>> {
  const added = platform.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks`, customParameters: custom, scopes });
  tool.platform = { issuer: platform.issuer, clientId: added.clientId, deploymentIds: [added.deploymentId], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
  const result = await browse(platform.launchUrl({ ...launch, clientId: added.clientId }));
  expect(result.status).toBe(200);
  return platform.lastLaunch(added.clientId)!.payload;
}

(have ? describe : describe.skip)('id_tokens match the recorded fixtures', () => {
  let tool: FakeTool;
  beforeAll(async () => {
    tool = await startFakeTool();
  });
  afterAll(async () => {
    await tool.close();
  });

  it.each([
    ['03-id-token-student-resource-link.json', 'Learner', { id: '4', name: 'Sam Student', givenName: 'Sam', familyName: 'Student', email: 'student1@example.com', username: 'student1' }, 'LtiResourceLinkRequest'],
    ['03-id-token-teacher-resource-link.json', 'Instructor', { id: '3', name: 'Terry Teacher', givenName: 'Terry', familyName: 'Teacher', email: 'teacher1@example.com', username: 'teacher1' }, 'LtiResourceLinkRequest'],
    ['03-id-token-teacher-deep-linking-request.json', 'Instructor', { id: '3', name: 'Terry Teacher', givenName: 'Terry', familyName: 'Teacher', email: 'teacher1@example.com', username: 'teacher1' }, 'LtiDeepLinkingRequest'],
  ] as const)('Moodle: %s', async (file, roles, user, messageType) => {
    const recorded = read('moodle-4.5', file) as { header: Record<string, unknown>; payload: Record<string, unknown> };
    const platform = await startPlatform({ profile: 'moodle' });
    try {
      const payload = await launchPayload(platform, tool, { tool_param: 'fixed', user_id_sub: '$User.id', course_label: '$Context.label' }, [], {
        user, roles, messageType, context: { id: '2', label: 'LTILAB', title: 'LTI Lab Course' },
        ...(messageType === 'LtiResourceLinkRequest' ? { resourceLink: { id: '10', title: 'Capture Activity', lineItem: { scoreMaximum: 50 } } } : {}),
      });
      expect(Object.keys(payload)).toEqual(Object.keys(recorded.payload));
      expect(shape(payload)).toEqual(shape(recorded.payload));
      expect(Object.keys(platform.lastLaunch()!.header)).toEqual(Object.keys(recorded.header));
      for (const claim of ['roles', 'context', 'lis', 'ext', 'version', 'message_type']) {
        const uri = `https://purl.imsglobal.org/spec/lti/claim/${claim}`;
        expect(payload[uri]).toEqual(recorded.payload[uri]);
      }
      const custom = (c: Record<string, unknown>) => ({ ...(c['https://purl.imsglobal.org/spec/lti/claim/custom'] as object), context_memberships_url: 'url' });
      expect(custom(payload)).toEqual(custom(recorded.payload));
      const ags = (c: Record<string, unknown>) => (c['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] as { scope: string[] }).scope;
      expect(ags(payload)).toEqual(ags(recorded.payload));
      expect((payload.exp as number) - (payload.iat as number)).toBe((recorded.payload.exp as number) - (recorded.payload.iat as number));
      for (const k of ['given_name', 'family_name', 'name', 'email', 'sub']) expect(payload[k]).toBe(recorded.payload[k]);
    } finally {
      await platform.close();
    }
  });

  it('Canvas: the course_navigation example', async () => {
    const recorded = read('canvas', 'lti', 'id_token.example.json');
    const agsScopes = (recorded['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] as { scope: string[] }).scope;
    const platform = await startPlatform({ profile: 'canvas' });
    try {
      const payload = await launchPayload(platform, tool, { canvas_api_domain: '$Canvas.api.domain', canvas_api_baseurl: '$Canvas.api.baseUrl', canvas_api_collaborationmembers_url: '$Canvas.api.collaborationMembers.url' }, [...agsScopes, 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'], {
        user: { id: '1', name: 'ebattaglia@instructure.com', email: 'ebattaglia@instructure.com' }, roles: recorded['https://purl.imsglobal.org/spec/lti/claim/roles'] as string[], context: { id: '1', label: 'math-101', title: 'math-101' },
      });
      // The emulator sends no Platform Notification Service claim; everything else is there, in Canvas's order.
      const expected = Object.keys(recorded).filter((k) => !k.endsWith('/platformnotificationservice'));
      expect(Object.keys(payload)).toEqual(expected);
      const custom = payload['https://purl.imsglobal.org/spec/lti/claim/custom'] as Record<string, string>;
      expect(custom.canvas_api_collaborationmembers_url).toBe('$Canvas.api.collaborationMembers.url');
      expect(custom.canvas_api_baseurl).toBe(platform.url);
      const { ['https://purl.imsglobal.org/spec/lti/claim/custom']: _c, ...rest } = payload;
      const { ['https://purl.imsglobal.org/spec/lti/claim/custom']: _r, ...recordedRest } = recorded;
      expect(shape(rest)).toEqual(shape(Object.fromEntries(Object.entries(recordedRest).filter(([k]) => expected.includes(k)))));
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
      expect((payload['https://purl.imsglobal.org/spec/lti-ags/claim/endpoint'] as { scope: string[] }).scope).toEqual(agsScopes);
      expect((payload['https://purl.imsglobal.org/spec/lti/claim/context'] as { type: string[] }).type).toEqual((recorded['https://purl.imsglobal.org/spec/lti/claim/context'] as { type: string[] }).type);
      expect(payload['https://purl.imsglobal.org/spec/lti/claim/lis']).toEqual(recorded['https://purl.imsglobal.org/spec/lti/claim/lis']);
    } finally {
      await platform.close();
    }
  });
});

interface Exchange {
  label: string;
  response: { status: number; headers: [string, string][]; body: unknown };
}

(have ? describe : describe.skip)('Moodle service answers match the recorded exchanges', () => {
  let tool: FakeTool;
  let platform: Platform;
  let clientId: string;
  const exchanges = (file: string): Exchange[] => (read('moodle-4.5', file) as { exchanges: Exchange[] }).exchanges;
  const recorded = (file: string, label: string): Exchange['response'] => {
    const found = exchanges(file).find((e) => e.label === label);
    if (!found) throw new Error(`no exchange "${label}" in ${file}`);
    return found.response;
  };
  const contentType = (r: Exchange['response']) => r.headers.find(([k]) => k.toLowerCase() === 'content-type')?.[1];

  beforeAll(async () => {
    [tool, platform] = await Promise.all([startFakeTool(), startPlatform({ profile: 'moodle' })]);
    ({ clientId } = platform.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks` }));
    platform.nrps.setMembers('2', [
      { id: '4', name: 'Sam Student', givenName: 'Sam', familyName: 'Student', email: 'student1@example.com', username: 'student1', roles: 'Learner' },
      { id: '5', name: 'Sue Student', givenName: 'Sue', familyName: 'Student', email: 'student2@example.com', username: 'student2', roles: 'Learner' },
      { id: '3', name: 'Terry Teacher', givenName: 'Terry', familyName: 'Teacher', email: 'teacher1@example.com', username: 'teacher1', roles: 'Instructor' },
    ], { label: 'LTILAB', title: 'LTI Lab Course' });
  });
  afterAll(async () => {
    await Promise.all([tool.close(), platform.close()]);
  });

  it('NRPS: same container, member shapes and media type', async () => {
    const expected = recorded('06-nrps.json', 'nrps: GET memberships');
    const token = platform.issueAccessToken(clientId, [SCOPES.nrps]);
    const response = await fetch(platform.nrps.url(clientId, '2'), { headers: { authorization: `Bearer ${token}`, accept: MEDIA.membership } });
    expect(response.headers.get('content-type')).toBe(contentType(expected));
    const body = (await response.json()) as { members: unknown[] };
    expect(shape(body)).toEqual(shape(expected.body));
    expect(body.members).toEqual((expected.body as { members: unknown[] }).members);
  });

  it('AGS: same line item, score and result answers', async () => {
    const item = platform.ags.createLineItem({ contextId: '2', clientId, label: 'Capture Activity', scoreMaximum: 50, resourceLinkId: '10' });
    const token = platform.issueAccessToken(clientId, [SCOPES.lineItem, SCOPES.score, SCOPES.resultReadonly]);
    const auth = { authorization: `Bearer ${token}` };
    const single = recorded('05-ags.json', 'ags: GET single lineitem (activity)');
    const got = await fetch(item.url, { headers: { ...auth, accept: MEDIA.lineItem } });
    expect(got.headers.get('content-type')).toBe(contentType(single));
    expect(shape(await got.json())).toEqual(shape(single.body));

    const scored = recorded('05-ags.json', 'ags: POST score student1 7/10');
    const posted = await fetch(item.url.replace('?', '/scores?'), { method: 'POST', headers: { ...auth, 'content-type': MEDIA.score }, body: JSON.stringify({ userId: '4', scoreGiven: 7, scoreMaximum: 10, comment: 'Good work', activityProgress: 'Completed', gradingProgress: 'FullyGraded', timestamp: new Date().toISOString() }) });
    expect(posted.status).toBe(scored.status);
    expect(posted.headers.get('content-type')).toBe(contentType(scored));
    expect(await posted.text()).toBe('');

    const results = recorded('05-ags.json', 'ags: GET results ?user_id=4');
    const answer = await fetch(`${item.url.replace('?', '/results?')}&user_id=4`, { headers: { ...auth, accept: MEDIA.resultContainer } });
    expect(answer.headers.get('content-type')).toBe(contentType(results));
    const body = (await answer.json()) as Record<string, unknown>[];
    expect(shape(body)).toEqual(shape(results.body));
    expect(body[0]).toMatchObject({ resultScore: 35, resultMaximum: 50, comment: 'Good work', userId: '4' });
    expect(String(body[0]?.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  });

  it('token endpoint: same answer keys and content type', async () => {
    const expected = (read('moodle-4.5', '04-token-endpoint.json') as { exchanges: Exchange[] }).exchanges[0]!.response;
    tool.platform = { issuer: platform.issuer, clientId, deploymentIds: [], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
    const response = await fetch(platform.endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await tool.assertion(), scope: SCOPES.score }),
    });
    expect(response.headers.get('content-type')).toBe(contentType(expected));
    expect(shape(await response.json())).toEqual(shape(expected.body));
  });
});
