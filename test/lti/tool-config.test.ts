import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../src/paths';
import { canvasJsonConfiguration, registrationRequest } from '../../src/lti/tool-config';

const fixtures = join(projectRoot, '..', 'shared', 'fixtures');
const urls = { baseUrl: 'https://laurel.example.edu', basePath: '/lti' };
const TOOL = 'https://purl.imsglobal.org/spec/lti-tool-configuration';

describe('tool configuration', () => {
  const moodleFixture = join(fixtures, 'moodle-4.5', '01-dynamic-registration.json');
  const canvasFixture = join(fixtures, 'canvas', 'lti', 'openid-configuration.openapi.json');

  (existsSync(moodleFixture) ? it : it.skip)('asks Moodle (recorded openid-configuration) for its AGS and NRPS scopes and Moodle variables', () => {
    const recorded = JSON.parse(readFileSync(moodleFixture, 'utf8')) as { step3_openid_configuration: { response: { body: Record<string, unknown> } } };
    const request = registrationRequest(urls, recorded.step3_openid_configuration.response.body);
    expect(request.initiate_login_uri).toBe('https://laurel.example.edu/lti/login');
    expect(request.redirect_uris).toEqual(['https://laurel.example.edu/lti/launch']);
    expect(request.jwks_uri).toBe('https://laurel.example.edu/lti/keys');
    expect(String(request.scope).split(' ').sort()).toEqual([
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
      'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
      'https://purl.imsglobal.org/spec/lti-ags/scope/score',
      'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
    ]);
    const tool = request[TOOL] as { custom_parameters: Record<string, string>; messages: Array<Record<string, unknown>> };
    expect(tool.custom_parameters).toEqual({ laurel_user_id: '$User.id', laurel_course_id: '$Context.id' });
    expect(tool.messages.map((m) => m.type)).toEqual(['LtiResourceLinkRequest', 'LtiDeepLinkingRequest']);
    expect(tool.messages.every((m) => m.placements === undefined)).toBe(true);
  });

  (existsSync(canvasFixture) ? it : it.skip)('gives Canvas (recorded openid-configuration) placements, Canvas custom fields and Data Services scopes', () => {
    const config = JSON.parse(readFileSync(canvasFixture, 'utf8')) as Record<string, unknown>;
    const request = registrationRequest(urls, config);
    const tool = request[TOOL] as Record<string, unknown> & { custom_parameters: Record<string, string>; messages: Array<{ type: string; placements?: string[] }> };
    expect(tool.messages).toEqual([
      expect.objectContaining({ type: 'LtiResourceLinkRequest', label: 'Badges', placements: ['course_navigation'], custom_parameters: { laurel_target: 'course' } }),
      expect.objectContaining({ type: 'LtiResourceLinkRequest', label: 'My badges', placements: ['account_navigation'], custom_parameters: { laurel_target: 'my-badges' } }),
      expect.objectContaining({ type: 'LtiDeepLinkingRequest', placements: ['link_selection', 'assignment_selection'] }),
    ]);
    expect(tool['https://canvas.instructure.com/lti/privacy_level']).toBe('public');
    expect(String(request.scope)).toContain('https://canvas.instructure.com/lti/data_services/scope/create');
    expect(Object.keys(tool.custom_parameters)).toContain('laurel_course_id');
  });

  it('describes a Canvas developer key as JSON', () => {
    const json = canvasJsonConfiguration(urls) as { oidc_initiation_url: string; public_jwk_url: string; custom_fields: Record<string, string>; extensions: Array<{ settings: { placements: Array<{ placement: string; message_type: string }> } }> };
    expect(json.oidc_initiation_url).toBe('https://laurel.example.edu/lti/login');
    expect(json.public_jwk_url).toBe('https://laurel.example.edu/lti/keys');
    expect(json.custom_fields.laurel_user_id).toBe('$Canvas.user.id');
    expect(json.extensions[0]!.settings.placements.map((p) => `${p.placement}:${p.message_type}`)).toEqual([
      'course_navigation:LtiResourceLinkRequest',
      'account_navigation:LtiResourceLinkRequest',
      'link_selection:LtiDeepLinkingRequest',
      'assignment_selection:LtiDeepLinkingRequest',
    ]);
    // Each navigation placement launches straight to its page.
    const placements = json.extensions[0]!.settings.placements as Array<{ placement: string; text?: string; custom_fields?: Record<string, string> }>;
    expect(placements.find((p) => p.placement === 'course_navigation')).toMatchObject({ text: 'Badges', custom_fields: { laurel_target: 'course' } });
    expect(placements.find((p) => p.placement === 'account_navigation')).toMatchObject({ text: 'My badges', custom_fields: { laurel_target: 'my-badges' } });
  });
});
