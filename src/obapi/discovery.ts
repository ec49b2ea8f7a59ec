import { OB_SCOPES, SCOPE_DESCRIPTIONS, SUPPORTED_SCOPES } from './scopes';

export const obApiUrls = {
  base: (base: string) => `${base}/ims/ob/v3p0`,
  register: (base: string) => `${base}/oauth/register`,
  authorize: (base: string) => `${base}/oauth/authorize`,
  token: (base: string) => `${base}/oauth/token`,
  revoke: (base: string) => `${base}/oauth/revoke`,
};

/**
 * The Service Description Document (OB 3.0, "Open Badges API": getServiceDescription): a profiled
 * OpenAPI 3.0 document naming the registration, authorization, token and refresh URLs and the
 * scopes this host offers. Only the read operations Laurel implements are listed.
 */
export function serviceDescription(base: string, props: { name: string; imageUrl?: string; termsUrl: string; privacyUrl: string }): Record<string, unknown> {
  const scopes = Object.fromEntries(SUPPORTED_SCOPES.map((s) => [s, SCOPE_DESCRIPTIONS[s]!]));
  const bearer = [{ OAuth2ACG: [] as string[] }];
  const op = (operationId: string, scope: string, summary: string) => ({ get: { operationId, summary, security: [{ OAuth2ACG: [scope] }], responses: { 200: { description: 'OK' } } } });
  return {
    openapi: '3.0.1',
    info: {
      title: props.name,
      version: '3.0',
      description: `Open Badges 3.0 API of ${props.name}: the badges learners earned, read with their consent.`,
      termsOfService: props.termsUrl,
      'x-imssf-privacyPolicyUrl': props.privacyUrl,
      ...(props.imageUrl ? { 'x-imssf-image': props.imageUrl } : {}),
    },
    servers: [{ url: obApiUrls.base(base), description: 'Laurel' }],
    tags: [{ name: 'OpenBadgeCredentials' }, { name: 'Profile' }, { name: 'Discovery' }],
    paths: {
      '/credentials': op('getCredentials', OB_SCOPES.credentialReadonly, 'Get the learner\'s OpenBadgeCredentials (limit, offset, since; X-Total-Count and Link headers).'),
      '/profile': op('getProfile', OB_SCOPES.profileReadonly, 'Get the learner\'s profile.'),
      '/discovery': { get: { operationId: 'getServiceDescription', summary: 'This document.', security: [], responses: { 200: { description: 'OK' } } } },
    },
    security: bearer,
    components: {
      securitySchemes: {
        OAuth2ACG: {
          type: 'oauth2',
          description: 'OAuth 2.0 Authorization Code Grant with PKCE (S256); clients register dynamically.',
          'x-imssf-registrationUrl': obApiUrls.register(base),
          flows: {
            authorizationCode: {
              authorizationUrl: obApiUrls.authorize(base),
              tokenUrl: obApiUrls.token(base),
              refreshUrl: obApiUrls.token(base),
              'x-laurel-revocationUrl': obApiUrls.revoke(base),
              scopes,
            },
          },
        },
      },
    },
  };
}

/** RFC 8288 `Link` header of a page: first, last, and next/prev where they exist. */
export function pagingLinks(url: string, props: { limit: number; offset: number; total: number; since?: string }): string {
  const make = (offset: number, rel: string) => {
    const target = new URL(url);
    target.search = '';
    target.searchParams.set('limit', String(props.limit));
    target.searchParams.set('offset', String(offset));
    if (props.since) target.searchParams.set('since', props.since);
    return `<${target.toString()}>; rel="${rel}"`;
  };
  const lastOffset = props.total === 0 ? 0 : Math.floor((props.total - 1) / props.limit) * props.limit;
  const links = [make(0, 'first')];
  if (props.offset + props.limit < props.total) links.push(make(props.offset + props.limit, 'next'));
  if (props.offset > 0) links.push(make(Math.max(0, Math.min(props.offset - props.limit, lastOffset)), 'prev'));
  links.push(make(lastOffset, 'last'));
  return links.join(', ');
}
