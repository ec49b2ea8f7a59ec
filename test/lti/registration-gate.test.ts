import { LaurelError } from '../../src/errors';
import { checkIssuerHost, checkPlatformUrl, registrationKeyAccepted, registrationUrl } from '../../src/lti';

const codeOf = (work: () => unknown): string | undefined => {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof LaurelError ? error.code : 'not a LaurelError';
  }
};

describe('registrationKeyAccepted', () => {
  const key = 'k'.repeat(24);
  it.each<[string, string | undefined, unknown, boolean]>([
    ['no key configured: open', undefined, undefined, true],
    ['the right key', key, key, true],
    ['no key given', key, undefined, false],
    ['an empty key', key, '', false],
    ['a prefix of the key', key, key.slice(0, 23), false],
    ['the key plus a character', key, `${key}k`, false],
    ['a repeated query parameter (array)', key, [key, key], false],
  ])('%s', (_name, expected, given, accepted) => {
    expect(registrationKeyAccepted(expected, given)).toBe(accepted);
  });
});

describe('registrationUrl', () => {
  it('adds the key, URL-encoded', () => {
    expect(registrationUrl({ baseUrl: 'https://laurel.example.edu/', registrationKey: 'a+b/c=0123456789' })).toBe('https://laurel.example.edu/lti/register?key=a%2Bb%2Fc%3D0123456789');
  });
  it('is the bare URL without a key', () => {
    expect(registrationUrl({ baseUrl: 'https://laurel.example.edu' })).toBe('https://laurel.example.edu/lti/register');
  });
});

describe('checkPlatformUrl', () => {
  it.each<[string, boolean, string | undefined]>([
    ['https://moodle.example.edu/mod/lti/openid-configuration.php', false, undefined],
    ['http://127.0.0.1:8080/mod/lti/openid-configuration.php', true, undefined],
    ['http://moodle.example.edu/openid-configuration', false, 'ERR_VALIDATION'],
    ['file:///etc/passwd', true, 'ERR_VALIDATION'],
    ['gopher://127.0.0.1:6379/_FLUSHALL', true, 'ERR_VALIDATION'],
    ['https://user:secret@moodle.example.edu/openid-configuration', false, 'ERR_VALIDATION'],
    ['not a url', true, 'ERR_VALIDATION'],
  ])('%s (http allowed: %s) -> %s', (url, allowHttp, code) => {
    expect(codeOf(() => checkPlatformUrl(url, { field: 'openid_configuration', allowHttp }))).toBe(code);
  });
});

describe('checkIssuerHost (LTI Dynamic Registration 1.0: issuer and openid_configuration URL match)', () => {
  const moodle = new URL('https://moodle.example.edu/mod/lti/openid-configuration.php');
  const canvasAccount = new URL('https://school.instructure.com/api/lti/security/openid-configuration');
  it.each<[string, URL, string, string, string | undefined]>([
    ['issuer on the configuration host', moodle, 'https://moodle.example.edu', 'https://moodle.example.edu/mod/lti/openid-registration.php', undefined],
    ['issuer with a path on the same host', moodle, 'https://moodle.example.edu/moodle', 'https://moodle.example.edu/r', undefined],
    ['issuer on another host', moodle, 'https://evil.example.org', 'https://moodle.example.edu/r', 'ERR_VALIDATION'],
    ['issuer on the same host but another port', moodle, 'https://moodle.example.edu:8443', 'https://moodle.example.edu/r', 'ERR_VALIDATION'],
    ['issuer that is not a URL', moodle, 'moodle', 'https://moodle.example.edu/r', 'ERR_VALIDATION'],
    ['Canvas Cloud issuer, registration on the account host', canvasAccount, 'https://canvas.instructure.com', 'https://school.instructure.com/api/lti/registrations', undefined],
    ['Canvas Cloud issuer, registration elsewhere', canvasAccount, 'https://canvas.instructure.com', 'https://evil.example.org/api/lti/registrations', 'ERR_VALIDATION'],
    ['Canvas Cloud issuer from any host serving its own registration endpoint (accepted: Canvas accounts live on their own hosts)', moodle, 'https://canvas.instructure.com', 'https://moodle.example.edu/r', undefined],
  ])('%s', (_name, configurationUrl, issuer, registrationEndpoint, code) => {
    expect(codeOf(() => checkIssuerHost({ configurationUrl, issuer, registrationEndpoint }))).toBe(code);
  });
});
