import { readFileSync } from 'node:fs';
// ajv-draft-04 comes with @seriousme/openapi-schema-validator (a dev dependency) for its draft-04 schemas.
import Ajv04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { pagingLinks, redirectWith, serviceDescription } from '../../src/obapi';

describe('OB 3.0 API documents', () => {
  it('pages with first, next, prev and last links', () => {
    const links = pagingLinks('https://x.edu/ims/ob/v3p0/credentials', { limit: 2, offset: 2, total: 5, since: '2026-01-01T00:00:00Z' });
    expect(links).toBe([
      '<https://x.edu/ims/ob/v3p0/credentials?limit=2&offset=0&since=2026-01-01T00%3A00%3A00Z>; rel="first"',
      '<https://x.edu/ims/ob/v3p0/credentials?limit=2&offset=4&since=2026-01-01T00%3A00%3A00Z>; rel="next"',
      '<https://x.edu/ims/ob/v3p0/credentials?limit=2&offset=0&since=2026-01-01T00%3A00%3A00Z>; rel="prev"',
      '<https://x.edu/ims/ob/v3p0/credentials?limit=2&offset=4&since=2026-01-01T00%3A00%3A00Z>; rel="last"',
    ].join(', '));
    expect(pagingLinks('https://x.edu/c', { limit: 10, offset: 0, total: 0 })).toBe('<https://x.edu/c?limit=10&offset=0>; rel="first", <https://x.edu/c?limit=10&offset=0>; rel="last"');
  });

  it('describes the service with the registration URL and read scopes', () => {
    const sdd = serviceDescription('https://x.edu', { name: 'Uni', termsUrl: 'https://x.edu/t', privacyUrl: 'https://x.edu/p' }) as Record<string, any>;
    expect(sdd.info['x-imssf-privacyPolicyUrl']).toBe('https://x.edu/p');
    const scheme = sdd.components.securitySchemes.OAuth2ACG;
    expect(scheme['x-imssf-registrationUrl']).toBe('https://x.edu/oauth/register');
    expect(Object.keys(scheme.flows.authorizationCode.scopes)).toEqual([
      'https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly',
      'https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly',
    ]);
    expect(sdd.servers[0].url).toBe('https://x.edu/ims/ob/v3p0');
  });

  it('is a valid OpenAPI 3.0 document (the OpenAPI 3.0 JSON Schema shipped with @seriousme/openapi-schema-validator)', () => {
    const schema = JSON.parse(readFileSync(require.resolve('@seriousme/openapi-schema-validator/schemas/v3.0/schema.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv04({ strict: false, allErrors: true, validateSchema: false });
    addFormats(ajv as never);
    const validate = ajv.compile(schema);
    const sdd = serviceDescription('https://x.edu', { name: 'Uni', imageUrl: 'https://x.edu/logo.png', termsUrl: 'https://x.edu/t', privacyUrl: 'https://x.edu/p' });
    expect(validate(sdd) ? [] : validate.errors).toEqual([]);
    const { info: _info, ...withoutInfo } = sdd;
    expect(validate(withoutInfo)).toBe(false);
  });

  it('adds parameters and iss to a redirect without dropping its own query', () => {
    expect(redirectWith('https://b.example/cb?x=1', { code: 'c', state: undefined }, 'https://x.edu')).toBe('https://b.example/cb?x=1&code=c&iss=https%3A%2F%2Fx.edu');
  });
});
