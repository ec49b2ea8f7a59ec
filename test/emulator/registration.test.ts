// Dynamic Registration as each LMS does it: Moodle leaves the tool pending and answers with deployment_id,
// single-use registration tokens; Canvas guards its openid-configuration with the token.
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, startPlatform, type Platform } from './index';

const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };
const student = { id: '4', name: 'Sam Student' };

describe('Moodle Dynamic Registration', () => {
  let platform: Platform;
  let tool: FakeTool;
  beforeAll(async () => {
    [platform, tool] = await Promise.all([startPlatform({ profile: 'moodle' }), startFakeTool()]);
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  it('registers the tool as pending, with Moodle\'s answer, and launches only once activated', async () => {
    const result = await platform.registerTool({ registrationUrl: `${tool.url}/register` });
    expect(result.page.status).toBe(200);
    expect(result.page.body).toContain('org.imsglobal.lti.close');
    expect(result.state).toBe('pending');
    expect(result.clientId).toMatch(/^[A-Za-z0-9]{15}$/);
    expect(tool.platform).toMatchObject({ issuer: platform.url, clientId: result.clientId, deploymentIds: [result.deploymentId] });
    const config = result.response['https://purl.imsglobal.org/spec/lti-tool-configuration'] as Record<string, unknown>;
    expect(config).toMatchObject({ version: '1.3.0', deployment_id: result.deploymentId });
    expect(typeof config.deployment_id).toBe('string');
    expect(config.messages).toEqual([{ type: 'LtiDeepLinkingRequest', target_link_uri: `${tool.url}/launch` }]);

    expect(() => platform.launchUrl({ clientId: result.clientId, user: student, roles: 'Learner', context: course })).toThrow(/pending/);
    platform.activateTool(result.clientId);
    const launch = await browse(platform.launchUrl({ clientId: result.clientId, user: student, roles: 'Learner', context: course }));
    expect(launch.status).toBe(200);
  });

  it('serves the openid-configuration like Moodle 4.5.6', async () => {
    const response = await fetch(platform.endpoints.openidConfiguration);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const raw = await response.text();
    expect(raw).toContain('http:\\/\\/127.0.0.1');
    const config = JSON.parse(raw) as Record<string, Record<string, unknown>>;
    expect(config['https://purl.imsglobal.org/spec/lti-platform-configuration']).toMatchObject({ product_family_code: 'moodle', version: '4.5.6 (Build: 20250811)' });
  });

  it('refuses a reused or missing registration token with 401 text/html', async () => {
    const page = await fetch(`${platform.url}/emulator/register?url=${encodeURIComponent(`${tool.url}/register`)}`);
    const iframe = /src="([^"]+)"/.exec(await page.text())?.[1]?.replace(/&amp;/g, '&') ?? '';
    const token = new URL(iframe).searchParams.get('registration_token') ?? '';
    const body = JSON.stringify({ initiate_login_uri: `${tool.url}/login`, jwks_uri: `${tool.url}/jwks`, redirect_uris: [`${tool.url}/launch`], 'https://purl.imsglobal.org/spec/lti-tool-configuration': { target_link_uri: `${tool.url}/launch` } });
    const post = (auth?: string) => fetch(platform.endpoints.registration, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) }, body });
    expect((await post(`Bearer ${token}`)).status).toBe(200);
    const reused = await post(`Bearer ${token}`);
    expect(reused.status).toBe(401);
    expect(reused.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await reused.text()).toBe('token_already_used');
    const missing = await post();
    expect(missing.status).toBe(401);
    expect(await missing.text()).toBe('missing_registration_token');
  });
});

describe('Canvas Dynamic Registration', () => {
  let platform: Platform;
  let tool: FakeTool;
  beforeAll(async () => {
    [platform, tool] = await Promise.all([startPlatform({ profile: 'canvas' }), startFakeTool()]);
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  it('registers an active tool with a string global client_id and no deployment_id in the answer', async () => {
    const result = await platform.registerTool({ registrationUrl: `${tool.url}/register` });
    expect(result.state).toBe('active');
    expect(result.clientId).toMatch(/^1\d{13}$/);
    expect(result.response.client_id).toBe(result.clientId);
    const config = result.response['https://purl.imsglobal.org/spec/lti-tool-configuration'] as Record<string, unknown>;
    expect(config.deployment_id).toBeUndefined();
    expect(config['https://canvas.instructure.com/lti/registration_config_url']).toContain(result.clientId);
    expect(result.deploymentId).toMatch(/^\d+:[0-9a-f]{40}$/);
    const launch = await browse(platform.launchUrl({ clientId: result.clientId, user: student, roles: 'Learner', context: course }));
    expect(launch.status).toBe(200);
  });

  it('serves its openid-configuration only with a registration token', async () => {
    const response = await fetch(platform.endpoints.openidConfiguration);
    expect(response.status).toBe(401);
  });

  it('installs a developer key from a Canvas JSON configuration, honouring its privacy level', async () => {
    const installed = await platform.installCanvasJsonConfig({
      title: 'Laurel', oidc_initiation_url: `${tool.url}/login`, target_link_uri: `${tool.url}/launch`, public_jwk_url: `${tool.url}/jwks`,
      scopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'], custom_fields: { canvas_user_id: '$Canvas.user.id' },
      extensions: [{ platform: 'canvas.instructure.com', privacy_level: 'anonymous', settings: { placements: [{ placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: `${tool.url}/launch?dl=1` }] } }],
    });
    expect(installed).toMatchObject({ name: 'Laurel', deepLinkUrl: `${tool.url}/launch?dl=1`, redirectUris: [`${tool.url}/launch`, `${tool.url}/launch?dl=1`], privacyLevel: 'anonymous' });
    tool.platform = { issuer: platform.issuer, clientId: installed.clientId, deploymentIds: [installed.deploymentId], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
    const launch = await browse(platform.launchUrl({ clientId: installed.clientId, user: { ...student, email: 'sam@example.com' }, roles: 'Learner', context: course }));
    expect(launch.status).toBe(200);
    const payload = platform.lastLaunch(installed.clientId)!.payload;
    expect(payload.name).toBeUndefined();
    expect(payload.email).toBeUndefined();
    expect(payload['https://purl.imsglobal.org/spec/lti/claim/custom']).toEqual({ canvas_user_id: '4' });
    expect(payload['https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice']).toBeUndefined();
  });

  it('runs the registration in an iframe page for browsers', async () => {
    const waiting = platform.waitForRegistration(5000);
    const page = await browse(platform.registrationStartUrl(`${tool.url}/register`));
    expect(page.body).toContain('<iframe');
    const iframe = /src="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&') ?? '';
    await fetch(iframe);
    const registered = await waiting;
    expect(registered.name).toBe('Fake tool');
  });
});
