// The platform end of Deep Linking: a signed LtiDeepLinkingResponse creates links and line items.
import { SignJWT } from 'jose';
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, CLAIM, startPlatform, type Platform } from './index';

const DL = 'https://purl.imsglobal.org/spec/lti-dl/claim';

describe('Deep Linking return (moodle)', () => {
  let platform: Platform;
  let tool: FakeTool;
  let clientId: string;
  let deploymentId: string;
  beforeAll(async () => {
    [platform, tool] = await Promise.all([startPlatform({ profile: 'moodle' }), startFakeTool()]);
    ({ clientId, deploymentId } = platform.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks` }));
    tool.platform = { issuer: platform.issuer, clientId, deploymentIds: [deploymentId], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  async function respond(returnUrl: string, key = tool.privateKey, deployment = deploymentId): Promise<Response> {
    const jwt = await new SignJWT({
      [CLAIM.messageType]: 'LtiDeepLinkingResponse', [CLAIM.version]: '1.3.0', [CLAIM.deploymentId]: deployment,
      [`${DL}/msg`]: 'Picked one item',
      [`${DL}/content_items`]: [{ type: 'ltiResourceLink', title: 'Deep-linked quiz', url: `${tool.url}/launch`, custom: { quiz: '42' }, lineItem: { scoreMaximum: 20, label: 'Deep-linked quiz', tag: 'dl-tag', resourceId: 'dl-res-1' } }],
    }).setProtectedHeader({ alg: 'RS256', kid: tool.kid, typ: 'JWT' }).setIssuer(clientId).setAudience(platform.issuer).setIssuedAt().setExpirationTime('10m').sign(key);
    return fetch(returnUrl, { method: 'POST', body: new URLSearchParams({ JWT: jwt }) });
  }

  it('verifies the response with the tool JWKS and creates the link with its line item', async () => {
    const launch = await browse(platform.launchUrl({ clientId, user: { id: '3', name: 'Terry Teacher' }, roles: 'Instructor', context: { id: '2' }, messageType: 'LtiDeepLinkingRequest' }));
    expect(launch.status).toBe(200);
    const settings = platform.lastLaunch(clientId)?.payload[CLAIM.deepLinking] as { deep_link_return_url: string };
    const response = await respond(settings.deep_link_return_url);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Picked one item');
    const [received] = platform.deepLinks;
    expect(received?.created).toEqual([expect.objectContaining({ title: 'Deep-linked quiz', custom: { quiz: '42' } })]);
    const item = platform.ags.lineItem(received?.created[0]?.lineItemId ?? -1);
    expect(item).toMatchObject({ scoreMaximum: 20, tag: 'dl-tag', resourceId: 'dl-res-1', contextId: '2' });
  });

  it('refuses a response signed by another key or for another deployment', async () => {
    const url = `${platform.url}/mod/lti/contentitem_return.php?course=2&id=${deploymentId}&sesskey=x`;
    const { generateKeyPair } = await import('jose');
    const { privateKey } = await generateKeyPair('RS256');
    expect((await respond(url, privateKey)).status).toBe(400);
    expect((await respond(url, tool.privateKey, '999')).status).toBe(400);
  });
});
