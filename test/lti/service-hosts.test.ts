import { hostOf, launchServiceHosts, registeredHosts } from '../../src/lti/service-hosts';

describe('the hosts a platform\'s services may be called on', () => {
  it('takes the URL host as WHATWG URL gives it: lower case, default port dropped, other ports kept', () => {
    expect(hostOf('https://School.Instructure.com:443/api')).toBe('school.instructure.com');
    expect(hostOf('http://localhost:8080/mod/lti')).toBe('localhost:8080');
    expect(hostOf('https://user:pw@lms.example/x')).toBe('lms.example');
    expect(hostOf('file:///etc/passwd')).toBeUndefined();
    expect(hostOf('not a url')).toBeUndefined();
    expect(hostOf(null)).toBeUndefined();
  });

  it('registered hosts are the issuer, auth, token and JWKS hosts (an issuer that is not a URL adds none)', () => {
    expect(registeredHosts({ issuer: 'https://canvas.instructure.com', auth_endpoint: 'https://sso.canvaslms.com/a', token_endpoint: 'https://sso.canvaslms.com/t', jwks_url: 'https://sso.canvaslms.com/j' }))
      .toEqual(['canvas.instructure.com', 'sso.canvaslms.com']);
    expect(registeredHosts({ issuer: 'moodle-issuer', auth_endpoint: 'https://m.example/a', token_endpoint: 'https://m.example/t', jwks_url: 'https://m.example/j' })).toEqual(['m.example']);
  });

  it('a launch names its AGS line items, line item and NRPS hosts', () => {
    expect(launchServiceHosts({ endpoint: { lineitems: 'https://school.instructure.com/api/lti/courses/7/line_items', lineitem: 'https://school.instructure.com/api/lti/courses/7/line_items/1' }, namesRoles: { context_memberships_url: 'https://school.instructure.com/api/lti/courses/7/names_and_roles' } }))
      .toEqual(['school.instructure.com']);
    expect(launchServiceHosts({})).toEqual([]);
    expect(launchServiceHosts({ endpoint: null, namesRoles: { context_memberships_url: 'javascript:alert(1)' } })).toEqual([]);
  });
});
