// A minimal Open Badges 3.0 API client (a "host": backpack or learner record) written against the
// specification: discovers the service, registers dynamically, sends the learner to consent with
// PKCE (S256), exchanges the code, refreshes, and pages through getCredentials by the Link header.
import { createHash, randomBytes } from 'node:crypto';

export const CREDENTIAL_READONLY = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly';
export const PROFILE_READONLY = 'https://purl.imsglobal.org/spec/ob/v3p0/scope/profile.readonly';

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

export class TestHost {
  registration: { client_id: string; client_secret: string; redirect_uris: string[]; scope: string } | undefined;
  endpoints: { registrationUrl: string; authorizationUrl: string; tokenUrl: string; apiBase: string } | undefined;
  private verifier = '';
  state = '';

  constructor(readonly serviceUrl: string, readonly redirectUri: string) {}

  async discover(): Promise<Record<string, any>> {
    const res = await fetch(`${this.serviceUrl}/ims/ob/v3p0/discovery`);
    if (res.status !== 200) throw new Error(`discovery: ${res.status}`);
    const sdd = (await res.json()) as Record<string, any>;
    const scheme = sdd.components.securitySchemes.OAuth2ACG;
    this.endpoints = {
      registrationUrl: scheme['x-imssf-registrationUrl'],
      authorizationUrl: scheme.flows.authorizationCode.authorizationUrl,
      tokenUrl: scheme.flows.authorizationCode.tokenUrl,
      apiBase: sdd.servers[0].url,
    };
    return sdd;
  }

  async register(scope = `${CREDENTIAL_READONLY} ${PROFILE_READONLY}`): Promise<Response> {
    const res = await fetch(this.endpoints!.registrationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Test Backpack', client_uri: 'https://backpack.example.org', logo_uri: 'https://backpack.example.org/logo.png',
        tos_uri: 'https://backpack.example.org/tos', policy_uri: 'https://backpack.example.org/privacy', software_id: 'test-backpack', software_version: '1.0',
        redirect_uris: [this.redirectUri], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope,
      }),
    });
    if (res.status === 201) this.registration = (await res.clone().json()) as TestHost['registration'];
    return res;
  }

  /** Where the learner's browser goes; a fresh PKCE verifier and state each time. */
  authorizationUrl(scope = `${CREDENTIAL_READONLY} ${PROFILE_READONLY}`, overrides: Record<string, string> = {}): string {
    this.verifier = randomBytes(32).toString('base64url');
    this.state = randomBytes(12).toString('base64url');
    const url = new URL(this.endpoints!.authorizationUrl);
    const params = {
      response_type: 'code', client_id: this.registration!.client_id, redirect_uri: this.redirectUri, scope, state: this.state,
      code_challenge: createHash('sha256').update(this.verifier).digest('base64url'), code_challenge_method: 'S256', ...overrides,
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  private basic(): string {
    const r = this.registration!;
    return `Basic ${Buffer.from(`${encodeURIComponent(r.client_id)}:${encodeURIComponent(r.client_secret)}`).toString('base64')}`;
  }

  async token(form: Record<string, string>): Promise<Response> {
    return fetch(this.endpoints!.tokenUrl, { method: 'POST', headers: { authorization: this.basic(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  }

  async exchange(code: string, verifier = this.verifier): Promise<Response> {
    return this.token({ grant_type: 'authorization_code', code, redirect_uri: this.redirectUri, code_verifier: verifier });
  }

  async revoke(token: string): Promise<Response> {
    const url = this.endpoints!.tokenUrl.replace(/\/token$/, '/revoke');
    return fetch(url, { method: 'POST', headers: { authorization: this.basic(), 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
  }

  /** getCredentials page by page, following `Link: rel="next"`; checks X-Total-Count on every page. */
  async allCredentials(accessToken: string, limit: number): Promise<{ credentials: Record<string, any>[]; pages: number; total: number }> {
    let next: string | undefined = `${this.endpoints!.apiBase}/credentials?limit=${limit}&offset=0`;
    const credentials: Record<string, any>[] = [];
    let pages = 0;
    let total = -1;
    while (next) {
      const res: Response = await fetch(next, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' } });
      if (res.status !== 200) throw new Error(`getCredentials: ${res.status} ${await res.text()}`);
      const pageTotal = Number(res.headers.get('x-total-count'));
      if (total !== -1 && pageTotal !== total) throw new Error('X-Total-Count changed between pages');
      total = pageTotal;
      const body = (await res.json()) as { credential?: Record<string, any>[] };
      credentials.push(...(body.credential ?? []));
      pages++;
      next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
    }
    return { credentials, pages, total };
  }
}
