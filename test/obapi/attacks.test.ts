// Attacks on the OB 3.0 API host, each of which must fail: replayed codes (and the tokens they gave
// withdrawn), PKCE mismatch, scope escalation at authorize, refresh and use, unregistered redirects,
// forged consent, refresh-token reuse, another learner's grant, client impersonation; secrets hashed
// at rest; the registration budget.
import { createHash, randomBytes } from 'node:crypto';
import request from 'supertest';
import { BASE_URL, createLearnerBadgeFixture, type LearnerBadgeFixture } from '../support/learner-badge';
import { createAdminConsoleFixture, LEARNER } from '../ui/support';
import { CREDENTIAL_READONLY, PROFILE_READONLY } from './test-host';

const REDIRECT = 'https://backpack.example.org/callback';

describe('OB 3.0 API attacks', () => {
  let f: LearnerBadgeFixture;
  // Registration has a small per-address budget (tested below): these suites share three clients.
  let full: { client_id: string; client_secret: string };
  let second: { client_id: string; client_secret: string };
  let narrow: { client_id: string; client_secret: string };
  beforeAll(async () => {
    f = await createLearnerBadgeFixture();
    full = (await register()).body;
    second = (await register()).body;
    narrow = (await register(CREDENTIAL_READONLY)).body;
  });
  afterAll(async () => {
    await f.close();
  });

  async function register(scope = `${CREDENTIAL_READONLY} ${PROFILE_READONLY}`, redirectUris = [REDIRECT]) {
    const res = await request(f.app).post('/oauth/register').send({ client_name: 'Backpack', client_uri: 'https://backpack.example.org', redirect_uris: redirectUris, scope });
    return res;
  }
  const basic = (client: { client_id: string; client_secret: string }) => `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;

  /** Walks authorize + consent as `cookie`'s learner; returns the code and the PKCE verifier. */
  async function consent(client: { client_id: string }, options: { scope?: string; cookie?: string } = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: options.scope ?? CREDENTIAL_READONLY, state: 's1',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
    });
    const page = await request(f.app).get(`/oauth/authorize?${query.toString()}`).set('Cookie', options.cookie ?? f.learnerCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const decided = await request(f.app).post('/oauth/authorize').set('Cookie', options.cookie ?? f.learnerCookie).type('form').send({ request_id: requestId, decision: 'approve', _csrf: csrf });
    expect(decided.status).toBe(303);
    const location = new URL(decided.headers.location!);
    return { code: location.searchParams.get('code')!, verifier, requestId, csrf };
  }
  const token = (client: { client_id: string; client_secret: string }, form: Record<string, string>) =>
    request(f.app).post('/oauth/token').set('Authorization', basic(client)).type('form').send(form);

  it('malformed registrations and token requests get the error codes RFC 7591 and RFC 6749 name', async () => {
    const noName = await request(f.app).post('/oauth/register').send({ client_uri: 'https://b.example.org', redirect_uris: [REDIRECT], scope: CREDENTIAL_READONLY });
    expect({ status: noName.status, error: noName.body.error }).toEqual({ status: 400, error: 'invalid_client_metadata' });
    const noGrant = await token(full, {});
    expect({ status: noGrant.status, error: noGrant.body.error }).toEqual({ status: 400, error: 'invalid_request' });
    const implicit = await token(full, { grant_type: 'password' });
    expect(implicit.body.error).toBe('unsupported_grant_type');
  });

  it('a replayed authorization code is refused and the tokens of its first use are revoked', async () => {
    const client = full;
    const { code, verifier } = await consent(client);
    const first = await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(first.status).toBe(200);
    const replay = await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(replay.body.error).toBe('invalid_grant');
    const use = await request(f.app).get('/ims/ob/v3p0/credentials').set('Authorization', `Bearer ${first.body.access_token}`);
    expect(use.status).toBe(401);
  });

  it('refuses a PKCE mismatch, a code of another client and a changed redirect_uri', async () => {
    const client = full;
    const other = second;
    const a = await consent(client);
    expect((await token(client, { grant_type: 'authorization_code', code: a.code, redirect_uri: REDIRECT, code_verifier: randomBytes(32).toString('base64url') })).body.error).toBe('invalid_grant');
    const b = await consent(client);
    expect((await token(other, { grant_type: 'authorization_code', code: b.code, redirect_uri: REDIRECT, code_verifier: b.verifier })).body.error).toBe('invalid_grant');
    const c = await consent(client);
    expect((await token(client, { grant_type: 'authorization_code', code: c.code, redirect_uri: 'https://backpack.example.org/other', code_verifier: c.verifier })).body.error).toBe('invalid_grant');
    const impostor = await token({ client_id: client.client_id, client_secret: 'guess' }, { grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, code_verifier: c.verifier });
    expect(impostor.status).toBe(401);
    expect(impostor.body.error).toBe('invalid_client');
    expect(impostor.headers['www-authenticate']).toBe('Basic realm="laurel"');
  });

  it('refuses scope escalation at authorize, at refresh and at use', async () => {
    const client = narrow;
    const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: PROFILE_READONLY, state: 'x', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' });
    const asked = await request(f.app).get(`/oauth/authorize?${query.toString()}`).set('Cookie', f.learnerCookie);
    expect(asked.status).toBe(303);
    expect(new URL(asked.headers.location!).searchParams.get('error')).toBe('invalid_scope');
    const { code, verifier } = await consent(client);
    const tokens = (await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).body;
    expect(tokens.scope).toBe(CREDENTIAL_READONLY);
    const wider = await token(client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, scope: `${CREDENTIAL_READONLY} ${PROFILE_READONLY}` });
    expect(wider.body.error).toBe('invalid_scope');
    const profile = await request(f.app).get('/ims/ob/v3p0/profile').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(profile.status).toBe(403);
    expect(profile.body.imsx_codeMajor).toBe('failure');
  });

  it('never redirects to an unregistered redirect_uri, and requires PKCE S256', async () => {
    const client = full;
    const base = { response_type: 'code', client_id: client.client_id, scope: CREDENTIAL_READONLY, state: 'x', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' };
    const evil = await request(f.app).get(`/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: 'https://evil.example.net/cb' }).toString()}`).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    expect(evil.status).toBe(422);
    expect(evil.headers.location).toBeUndefined();
    const plain = await request(f.app).get(`/oauth/authorize?${new URLSearchParams({ ...base, redirect_uri: REDIRECT, code_challenge_method: 'plain' }).toString()}`).set('Cookie', f.learnerCookie);
    expect(new URL(plain.headers.location!).searchParams.get('error')).toBe('invalid_request');
    expect((await register(CREDENTIAL_READONLY, ['https://backpack.example.org/cb#frag'])).body.error).toBe('invalid_redirect_uri');
    expect((await register(CREDENTIAL_READONLY, ['javascript:alert(1)'])).body.error).toBe('invalid_redirect_uri');
  });

  it('refuses forged consent, another learner\'s consent request, and answering twice', async () => {
    const client = full;
    const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: CREDENTIAL_READONLY, code_challenge: 'b'.repeat(43), code_challenge_method: 'S256' });
    const page = await request(f.app).get(`/oauth/authorize?${query.toString()}`).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    const requestId = /name="request_id" value="([^"]+)"/.exec(page.text)![1]!;
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const forged = await request(f.app).post('/oauth/authorize').set('Cookie', f.learnerCookie).type('form').send({ request_id: requestId, decision: 'approve', _csrf: 'x'.repeat(43) });
    expect(forged.status).toBe(403);
    const other = await f.signIn({ ...LEARNER, ltiUserId: 'learner-3', name: 'Mallory' });
    const stolen = await request(f.app).post('/oauth/authorize').set('Cookie', other).type('form').send({ request_id: requestId, decision: 'approve', _csrf: csrf });
    expect(stolen.status).toBe(403);
    const unsigned = await request(f.app).post('/oauth/authorize').type('form').send({ request_id: requestId, decision: 'approve', _csrf: csrf });
    expect(unsigned.status).toBe(401);
    expect((await request(f.app).post('/oauth/authorize').set('Cookie', f.learnerCookie).type('form').send({ request_id: requestId, decision: 'deny', _csrf: csrf })).headers.location).toContain('error=access_denied');
    expect((await request(f.app).post('/oauth/authorize').set('Cookie', f.learnerCookie).type('form').send({ request_id: requestId, decision: 'approve', _csrf: csrf })).status).toBe(404);
  });

  it('a reused refresh token revokes the grant; a learner cannot revoke another learner\'s grant', async () => {
    const client = full;
    const { code, verifier } = await consent(client);
    const tokens = (await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).body;
    const rotated = await token(client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(rotated.status).toBe(200);
    expect((await token(client, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).body.error).toBe('invalid_grant');
    expect((await request(f.app).get('/ims/ob/v3p0/credentials').set('Authorization', `Bearer ${rotated.body.access_token}`)).status).toBe(401);

    const again = await consent(client);
    await token(client, { grant_type: 'authorization_code', code: again.code, redirect_uri: REDIRECT, code_verifier: again.verifier });
    const grant = await f.ctx.database.db.withTables<{ obapi_grants: { id: string; learner_id: string; revoked_at: Date | null } }>()
      .selectFrom('obapi_grants').select('id').where('learner_id', '=', f.learnerId).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    const mallory = await f.signIn({ ...LEARNER, ltiUserId: 'learner-4', name: 'Mallory' });
    const page = await request(f.app).get(`/lti/courses/${f.courseId}/learner/connections`).set('Cookie', mallory).set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await request(f.app).post(`/lti/courses/${f.courseId}/learner/connections/${grant.id}/revoke`).set('Cookie', mallory).set('Accept', 'text/html').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(404);
  });

  it('a token reads only its own learner\'s credentials', async () => {
    const otherCookie = await f.signIn({ ...LEARNER, ltiUserId: 'learner-5', name: 'Pat' });
    const client = full;
    const { code, verifier } = await consent(client, { cookie: otherCookie });
    const tokens = (await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).body;
    const res = await request(f.app).get('/ims/ob/v3p0/credentials').set('Authorization', `Bearer ${tokens.access_token}`);
    expect(res.status).toBe(200);
    expect(res.headers['x-total-count']).toBe('0');
    expect(res.body.credential).toEqual([]);
  });

  it('stores client secrets, codes and tokens only as hashes', async () => {
    const client = full;
    const { code, verifier } = await consent(client);
    const tokens = (await token(client, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })).body;
    const dump = JSON.stringify(await Promise.all(['obapi_clients', 'obapi_codes', 'obapi_tokens'].map((t) =>
      f.ctx.database.db.withTables<Record<string, Record<string, unknown>>>().selectFrom(t).selectAll().execute())));
    for (const secret of [client.client_secret, code, tokens.access_token, tokens.refresh_token]) expect(dump).not.toContain(secret);
  });

  it('the one-time sign-in link works once and lets the learner reach the consent page', async () => {
    const page = await request(f.app).get(`/lti/courses/${f.courseId}/learner/connections`).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const made = await request(f.app).post(`/lti/courses/${f.courseId}/learner/connections/sign-in-link`).set('Cookie', f.learnerCookie).type('form').send({ _csrf: csrf });
    const link = new URL(/value="(https:\/\/laurel\.example\.edu\/oauth\/sign-in\/[^"]+)"/.exec(made.text)![1]!);
    const used = await request(f.app).get(link.pathname).set('Accept', 'text/html');
    expect(used.status).toBe(200);
    const cookie = (used.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('laurel_obapi_learner='))!.split(';')[0]!;
    expect((await request(f.app).get(link.pathname).set('Accept', 'text/html')).status).toBe(404);
    const client = full;
    const { code } = await consent(client, { cookie });
    expect(code).toBeTruthy();
    expect(BASE_URL).toBe(link.origin);
  });
});

describe('OB 3.0 API registration budget', () => {
  it('answers 429 after ten registrations a minute from one address', async () => {
    const f = await createAdminConsoleFixture({ config: { BASE_URL } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        statuses.push((await request(f.app).post('/oauth/register').send({ client_name: 'B', client_uri: 'https://b.example.org', redirect_uris: [REDIRECT], scope: CREDENTIAL_READONLY })).status);
      }
      expect(statuses.slice(0, 10).every((s) => s === 201)).toBe(true);
      expect(statuses[10]).toBe(429);
    } finally {
      await f.close();
    }
  });
});
