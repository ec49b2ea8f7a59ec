// The emulator's id_tokens against the recorded ones in ../shared/fixtures: same claims, in the same order
// (Moodle), with the same shapes and stable values. Skips when the fixtures are absent.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, startPlatform, type Platform } from './index';

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
