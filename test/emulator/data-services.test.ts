// Canvas Data Services stub: a tool subscribes with its LTI token; events arrive as RS256 JWTs that verify
// against the Live Events JWKS (not the LTI one).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { startFakeTool, type FakeTool } from './fake-tool';
import { DATA_SERVICES_SCOPES, LIVE_EVENTS_ISSUER, startPlatform, type Platform } from './index';

const gradeChange = {
  metadata: { event_name: 'grade_change', event_time: '2019-11-01T19:11:05.222Z', root_account_uuid: 'x', context_type: 'Course', context_id: '21070000000000565' },
  body: { submission_id: '21070000000000048', assignment_id: '21070000000000355', user_id: '21070000000000004', score: 7, points_possible: 10, grade: '7' },
};

describe('Canvas Data Services', () => {
  let platform: Platform;
  let tool: FakeTool;
  let receiver: Server;
  let receiverUrl: string;
  const received: { contentType: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    [platform, tool] = await Promise.all([startPlatform({ profile: 'canvas' }), startFakeTool()]);
    const added = platform.addTool({ loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks` });
    tool.platform = { issuer: platform.issuer, clientId: added.clientId, deploymentIds: [added.deploymentId], authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks };
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ contentType: req.headers['content-type'], body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/events/canvas`;
  });
  afterAll(async () => {
    receiver.closeAllConnections();
    await Promise.all([platform.close(), tool.close(), new Promise((r) => receiver.close(r))]);
  });

  it('creates a subscription with the tool token and delivers signed events to it', async () => {
    const tokenResponse = await fetch(platform.endpoints.token, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await tool.assertion(), scope: `${DATA_SERVICES_SCOPES.create} ${DATA_SERVICES_SCOPES.list}` }),
    });
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
    const create = await fetch(`${platform.url}/api/lti/accounts/${platform.ltiContextId('1')}/data_services`, {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ subscription: { ContextId: 'root', ContextType: 'root_account', EventTypes: ['grade_change'], Format: 'live-event', TransportMetadata: { Url: receiverUrl }, TransportType: 'https' } }),
    });
    expect(create.status).toBe(200);
    expect(create.headers.get('content-type')).toContain('application/vnd.canvas.dataservices+json');
    expect(await create.json()).toMatchObject({ State: 'Active', EventTypes: ['grade_change'] });

    const deliveries = await platform.dataServices.deliver(gradeChange);
    expect(deliveries).toEqual([expect.objectContaining({ url: receiverUrl, status: 204 })]);
    expect(await platform.dataServices.deliver({ metadata: { event_name: 'submission_created' }, body: {} })).toEqual([]);
    const { payload } = await jwtVerify(received[0]?.body ?? '', createRemoteJWKSet(new URL(platform.dataServices.jwksUrl)), { issuer: LIVE_EVENTS_ISSUER, algorithms: ['RS256'] });
    expect(payload).toMatchObject({ metadata: { event_name: 'grade_change' }, body: { score: 7 } });
    const ltiKids = platform.jwks().keys.map((k) => k.kid);
    const { keys } = (await (await fetch(platform.dataServices.jwksUrl)).json()) as { keys: { kid: string }[] };
    expect(keys.some((k) => ltiKids.includes(k.kid))).toBe(false);
  });

  it('refuses a token without the data services scope', async () => {
    const token = platform.issueAccessToken(tool.platform!.clientId, ['https://purl.imsglobal.org/spec/lti-ags/scope/score']);
    const response = await fetch(`${platform.url}/api/lti/accounts/abc/data_services`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(401);
  });
});
