// OIDC launches through the emulator into a fake tool, both profiles: claims as recorded, signatures
// verifiable with the emulator's JWKS, key rotation, single-use launches and every tamper option.
import { decodeJwt } from 'jose';
import { startFakeTool, type FakeTool } from './fake-tool';
import { browse, CLAIM, startPlatform, type LaunchTamper, type Platform, type ProfileName } from './index';

const student = { id: '4', name: 'Sam Student', email: 'student1@example.com', username: 'student1' };
const teacher = { id: '3', name: 'Terry Teacher', email: 'teacher1@example.com', username: 'teacher1' };
const course = { id: '2', label: 'LTILAB', title: 'LTI Lab Course' };

describe.each<ProfileName>(['moodle', 'canvas'])('%s profile launches', (profile) => {
  let platform: Platform;
  let tool: FakeTool;
  let clientId: string;

  beforeAll(async () => {
    [platform, tool] = await Promise.all([startPlatform({ profile }), startFakeTool()]);
    const added = platform.addTool({
      loginUrl: `${tool.url}/login`, launchUrl: `${tool.url}/launch`, jwksUrl: `${tool.url}/jwks`,
      customParameters: { canvas_user_id: '$Canvas.user.id', canvas_course_id: '$Canvas.course.id', user_id_sub: '$User.id', course_label: '$Context.label', fixed: 'x', unknown: '$No.such.variable' },
    });
    clientId = added.clientId;
    tool.platform = {
      issuer: platform.issuer, clientId, deploymentIds: [added.deploymentId],
      authUrl: platform.endpoints.auth, tokenUrl: platform.endpoints.token, jwksUrl: platform.endpoints.jwks,
    };
  });
  afterAll(async () => {
    await Promise.all([platform.close(), tool.close()]);
  });

  it('completes the OIDC round trip with a token the tool verifies against the JWKS', async () => {
    const result = await browse(platform.launchUrl({ clientId, user: student, roles: 'Learner', context: course, resourceLink: { id: '10', title: 'Capture Activity', lineItem: { scoreMaximum: 50 } } }));
    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ ok: true, messageType: 'LtiResourceLinkRequest' });
    expect(result.steps.map((s) => s.method)).toEqual(['GET', 'POST', 'GET', 'POST']);
    const { payload, header } = tool.launches[tool.launches.length - 1]!;
    expect(header).toMatchObject({ typ: 'JWT', alg: 'RS256', kid: platform.jwks().keys[0]?.kid });
    expect(payload.aud).toBe(clientId);
    expect(payload[CLAIM.deploymentId]).toBe(tool.platform?.deploymentIds[0]);
    const custom = payload[CLAIM.custom] as Record<string, string>;
    expect(custom.fixed).toBe('x');
    expect(custom.unknown).toBe('$No.such.variable');
    const ags = payload[CLAIM.ags] as { lineitem: string; lineitems: string };
    if (profile === 'moodle') {
      expect((payload.exp as number) - (payload.iat as number)).toBe(60);
      expect(payload.sub).toBe('4');
      expect(payload[CLAIM.roles]).toEqual(['http://purl.imsglobal.org/vocab/lis/v2/membership#Learner']);
      expect(payload[CLAIM.context]).toEqual({ id: '2', label: 'LTILAB', title: 'LTI Lab Course', type: ['CourseSection'] });
      expect(custom).toMatchObject({ user_id_sub: '4', course_label: 'LTILAB', canvas_user_id: '$Canvas.user.id' });
      expect(custom.context_memberships_url).toMatch(/\/mod\/lti\/services\.php\/CourseSection\/2\/bindings\/\d+\/memberships$/);
      expect(ags.lineitem).toMatch(/\/mod\/lti\/services\.php\/2\/lineitems\/\d+\/lineitem\?type_id=\d+$/);
      expect(payload[CLAIM.ext]).toEqual({ user_username: 'student1', lms: 'moodle-2' });
      expect(tool.logins[tool.logins.length - 1]).toMatchObject({ method: 'POST', params: { login_hint: '4', lti_deployment_id: tool.platform?.deploymentIds[0] } });
      expect(JSON.parse(tool.logins[tool.logins.length - 1]!.params.lti_message_hint ?? '')).toMatchObject({ cmid: 10 });
    } else {
      expect((payload.exp as number) - (payload.iat as number)).toBe(3600);
      expect(payload.iss).toBe('https://canvas.instructure.com');
      expect(payload.sub).toMatch(/^[0-9a-f-]{36}$/);
      expect(payload.sub).toBe(platform.ltiUserId(student));
      expect(payload.azp).toBe(clientId);
      expect((payload[CLAIM.context] as { id: string }).id).toMatch(/^[0-9a-f]{40}$/);
      expect(custom).toMatchObject({ canvas_user_id: '4', canvas_course_id: '2', user_id_sub: '4' });
      expect(payload[CLAIM.roles]).toContain('http://purl.imsglobal.org/vocab/lis/v2/membership#Learner');
      expect(payload['https://purl.imsglobal.org/spec/lti/claim/lti11_legacy_user_id']).toMatch(/^[0-9a-f]{40}$/);
      expect(ags.lineitems).toMatch(/\/api\/lti\/courses\/2\/line_items$/);
      expect(tool.logins[tool.logins.length - 1]?.params).toMatchObject({ lti_storage_target: 'post_message_forwarding', canvas_environment: 'prod' });
    }
  });

  it('makes each login single-use: a second auth request with the same message hint is refused', async () => {
    const launchPage = await fetch(platform.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course }));
    const form = new URLSearchParams([...(await launchPage.text()).matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m): [string, string] => [m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    const login = await fetch(`${tool.url}/login`, { method: 'POST', body: form, redirect: 'manual' });
    const auth = login.headers.get('location')!;
    const first = await (await fetch(auth)).text();
    const second = await (await fetch(auth)).text();
    expect(first).toContain('name="id_token"');
    expect(second).toContain('name="error" value="invalid_request"');
    expect(second).not.toContain('id_token');
  });

  it('signs with a rotated key and keeps the old key published', async () => {
    const oldKid = platform.jwks().keys[0]?.kid;
    const newKid = await platform.rotateKey();
    const result = await browse(platform.launchUrl({ clientId, user: student, roles: 'Learner', context: course }));
    expect(result.status).toBe(200);
    expect(tool.launches[tool.launches.length - 1]?.header.kid).toBe(newKid);
    expect(platform.jwks().keys.map((k) => k.kid)).toEqual([oldKid, newKid]);
  });

  it('sends a deep linking request with the profile\'s settings', async () => {
    const result = await browse(platform.launchUrl({ clientId, user: teacher, roles: 'Instructor', context: course, messageType: 'LtiDeepLinkingRequest' }));
    expect(result.status).toBe(200);
    const payload = decodeJwt(platform.lastLaunch(clientId)!.idToken);
    expect(payload[CLAIM.messageType]).toBe('LtiDeepLinkingRequest');
    expect(payload[CLAIM.resourceLink]).toBeUndefined();
    const settings = payload[CLAIM.deepLinking] as { deep_link_return_url: string; accept_types: string[] };
    expect(settings.accept_types).toEqual(['ltiResourceLink']);
    expect(settings.deep_link_return_url).toContain(platform.url);
  });

  const tampers: [LaunchTamper, string][] = [
    [{ badSignature: true }, 'bad_signature'],
    [{ unknownKid: true }, 'unknown_kid'],
    [{ wrongAud: true }, 'wrong_aud'],
    [{ wrongIss: true }, 'wrong_iss'],
    [{ unknownDeployment: true }, 'unknown_deployment'],
    [{ expired: true }, 'expired'],
    [{ replayNonce: true }, 'replayed_nonce'],
    [{ missingClaim: 'https://purl.imsglobal.org/spec/lti/claim/version' }, 'missing_claim'],
    [{ stateMismatch: true }, 'state_mismatch'],
  ];
  it.each(tampers)('tamper %j is refused by the tool as %s', async (tamper, code) => {
    const result = await browse(platform.launchUrl({ clientId, user: student, roles: 'Learner', context: course, tamper }));
    expect(result.status).toBe(401);
    expect(JSON.parse(result.body)).toEqual({ error: code });
  });

  it('refuses an unregistered redirect_uri with an error page and posts nothing back', async () => {
    const response = await fetch(`${platform.endpoints.auth}?scope=openid&response_type=id_token&response_mode=form_post&prompt=none&client_id=${clientId}&redirect_uri=${encodeURIComponent(`${tool.url}/elsewhere`)}&login_hint=4&lti_message_hint=x&state=s&nonce=n`);
    expect(response.status).toBe(profile === 'moodle' ? 404 : 400);
    expect(await response.text()).toContain('Invalid request');
  });
});
