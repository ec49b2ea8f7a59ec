// Attacks on the OID4VCI issuer, each of which must fail with the error the specification names:
// replayed and expired codes, wrong transaction codes, forged, stale, misdirected and unbound key
// proofs, wrong and reused nonces, another learner's award; secrets hashed at rest; rate limits.
import { generateKeyPair, exportJWK, SignJWT } from 'jose';
import request from 'supertest';
import { createOffer, walletsDepsFor } from '../../src/wallets';
import { BASE_URL, createLearnerBadgeFixture, type LearnerBadgeFixture } from '../support/learner-badge';
import { httpInto } from '../support/credential-checks';
import { createAdminConsoleFixture, LEARNER } from '../ui/support';
import { TestWallet, type WalletHttp } from './test-wallet';

const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

describe('OID4VCI attacks', () => {
  let f: LearnerBadgeFixture;
  let http: WalletHttp;
  let wallet: TestWallet;

  beforeAll(async () => {
    f = await createLearnerBadgeFixture();
    http = httpInto(f.app, BASE_URL);
    wallet = await TestWallet.create();
  });
  afterAll(async () => {
    await f.close();
  });

  async function offer(withTxCode = false) {
    const created = await createOffer(walletsDepsFor(f.ctx), { awardId: f.awardId, learnerId: f.learnerId, withTxCode });
    const document = (await http.get(created.offerUri)).body;
    return { ...created, code: document.grants[GRANT]['pre-authorized_code'] as string };
  }
  const token = (form: Record<string, string>) => request(f.app).post('/oid4vci/token').type('form').send(form);
  async function accessToken(): Promise<string> {
    const { code } = await offer();
    const res = await token({ grant_type: GRANT, 'pre-authorized_code': code });
    expect(res.status).toBe(200);
    return res.body.access_token as string;
  }
  const nonce = async () => (await request(f.app).post('/oid4vci/nonce')).body.c_nonce as string;
  const credential = (access: string, proof: string, configuration = 'OpenBadgeCredential_ldp_vc') =>
    request(f.app).post('/oid4vci/credential').set('Authorization', `Bearer ${access}`).send({ credential_configuration_id: configuration, proofs: { jwt: [proof] } });

  it('a replayed pre-authorized code is refused and the token it produced is withdrawn', async () => {
    const { code } = await offer();
    const first = await token({ grant_type: GRANT, 'pre-authorized_code': code });
    expect(first.status).toBe(200);
    const replay = await token({ grant_type: GRANT, 'pre-authorized_code': code });
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    const use = await credential(first.body.access_token, await wallet.proof({ aud: BASE_URL, nonce: await nonce() }));
    expect(use.status).toBe(401);
    expect(use.body.error).toBe('invalid_token');
  });

  it('an expired offer is gone and its code refused', async () => {
    const created = await offer();
    await f.ctx.database.db.withTables<{ wallet_offers: { id: string; expires_at: Date } }>().updateTable('wallet_offers').set({ expires_at: new Date(Date.now() - 1000) }).where('id', '=', created.offerId).execute();
    expect((await http.get(created.offerUri)).status).toBe(404);
    const res = await token({ grant_type: GRANT, 'pre-authorized_code': created.code });
    expect(res.body.error).toBe('invalid_grant');
  });

  it('a transaction code is required, must match, and guessing spends the offer', async () => {
    const created = await offer(true);
    expect((await token({ grant_type: GRANT, 'pre-authorized_code': created.code })).body.error).toBe('invalid_request');
    const wrong = created.txCode === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) expect((await token({ grant_type: GRANT, 'pre-authorized_code': created.code, tx_code: wrong })).body.error).toBe('invalid_grant');
    const right = await token({ grant_type: GRANT, 'pre-authorized_code': created.code, tx_code: created.txCode! });
    expect(right.status).toBe(400);
    expect(right.body.error).toBe('invalid_grant');
  });

  it('refuses a made-up nonce and a nonce used twice (invalid_nonce)', async () => {
    const access = await accessToken();
    const made = await credential(access, await wallet.proof({ aud: BASE_URL, nonce: 'not-from-laurel' }));
    expect(made.status).toBe(400);
    expect(made.body.error).toBe('invalid_nonce');
    const n = await nonce();
    expect((await credential(access, await wallet.proof({ aud: BASE_URL, nonce: n }))).status).toBe(200);
    const again = await credential(access, await wallet.proof({ aud: BASE_URL, nonce: n }), 'OpenBadgeCredential_jwt_vc_json');
    expect(again.body.error).toBe('invalid_nonce');
  });

  it('refuses proofs for another audience, stale proofs, wrong typ, alg none, HMAC and a key that is not the kid\'s (invalid_proof)', async () => {
    const access = await accessToken();
    const expectInvalid = async (proof: string) => {
      const res = await credential(access, proof);
      expect({ status: res.status, error: res.body.error }).toEqual({ status: 400, error: 'invalid_proof' });
    };
    await expectInvalid(await wallet.proof({ aud: 'https://other-issuer.example.com', nonce: await nonce() }));
    await expectInvalid(await wallet.proof({ aud: BASE_URL, nonce: await nonce(), iat: Math.floor(Date.now() / 1000) - 3600 }));
    await expectInvalid(await wallet.proof({ aud: BASE_URL, nonce: await nonce() }, { typ: 'JWT' }));
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'openid4vci-proof+jwt', kid: wallet.kid })).toString('base64url')}.${Buffer.from(JSON.stringify({ aud: BASE_URL, iat: Math.floor(Date.now() / 1000), nonce: await nonce() })).toString('base64url')}.`;
    await expectInvalid(unsigned);
    const hmac = await new SignJWT({ nonce: await nonce() }).setProtectedHeader({ alg: 'HS256', typ: 'openid4vci-proof+jwt', kid: wallet.kid }).setAudience(BASE_URL).setIssuedAt().sign(new TextEncoder().encode('x'.repeat(32)));
    await expectInvalid(hmac);
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const impostor = await new SignJWT({ nonce: await nonce() }).setProtectedHeader({ alg: 'EdDSA', typ: 'openid4vci-proof+jwt', kid: wallet.kid }).setAudience(BASE_URL).setIssuedAt().sign(other.privateKey);
    await expectInvalid(impostor);
    const privateJwk = await exportJWK(other.privateKey);
    const leaky = await new SignJWT({ nonce: await nonce() }).setProtectedHeader({ alg: 'EdDSA', typ: 'openid4vci-proof+jwt', jwk: privateJwk }).setAudience(BASE_URL).setIssuedAt().sign(other.privateKey);
    await expectInvalid(leaky);
  });

  it('binds to a bare jwk as its did:jwk, and names unknown configurations and missing tokens as the spec does', async () => {
    const access = await accessToken();
    const key = await generateKeyPair('ES256');
    const jwk = await exportJWK(key.publicKey);
    const proof = await new SignJWT({ nonce: await nonce() }).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).setAudience(BASE_URL).setIssuedAt().sign(key.privateKey);
    const issued = await credential(access, proof);
    expect(issued.status).toBe(200);
    expect(issued.body.credentials[0].credential.credentialSubject.id).toMatch(/^did:jwk:/);
    const unknown = await credential(access, await wallet.proof({ aud: BASE_URL, nonce: await nonce() }), 'Diploma');
    expect(unknown.body.error).toBe('unknown_credential_configuration');
    const none = await request(f.app).post('/oid4vci/credential').send({ credential_configuration_id: 'OpenBadgeCredential_ldp_vc' });
    expect(none.status).toBe(401);
    expect(none.body.error).toBe('invalid_token');
    const unsupported = await token({ grant_type: 'authorization_code', code: 'x' });
    expect(unsupported.body.error).toBe('unsupported_grant_type');
    const malformed = await request(f.app).post('/oid4vci/credential').set('Authorization', `Bearer ${access}`).send({ credential_configuration_id: 'OpenBadgeCredential_ldp_vc', proofs: { jwt: 'not-an-array' } });
    expect({ status: malformed.status, error: malformed.body.error }).toEqual({ status: 400, error: 'invalid_credential_request' });
    const noGrant = await token({});
    expect({ status: noGrant.status, error: noGrant.body.error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('a learner cannot create an offer for another learner\'s award', async () => {
    const other = await f.signIn({ ...LEARNER, ltiUserId: 'learner-2', name: 'Other Learner' });
    const path = `/lti/courses/${f.courseId}/learner/wallet/${f.awardId}`;
    const page = await request(f.app).get(path).set('Cookie', other).set('Accept', 'text/html');
    expect(page.status).toBe(404);
    const own = await request(f.app).get(`/lti/courses/${f.courseId}/learner/connections`).set('Cookie', other).set('Accept', 'text/html');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(own.text)![1]!;
    const res = await request(f.app).post(path).set('Cookie', other).set('Accept', 'text/html').type('form').send({ _csrf: csrf });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain('openid-credential-offer://');
    const forged = await request(f.app).post(path).set('Cookie', f.learnerCookie).type('form').send({ _csrf: 'forged' });
    expect(forged.status).toBe(403);
  });

  it('a badge revoked after the token was issued is denied, and no new offer can be made for it', async () => {
    const badge = await f.awardAnother('Revoked Later');
    const created = await createOffer(walletsDepsFor(f.ctx), { awardId: badge.awardId, learnerId: f.learnerId, withTxCode: false });
    const code = (await http.get(created.offerUri)).body.grants[GRANT]['pre-authorized_code'] as string;
    const access = (await token({ grant_type: GRANT, 'pre-authorized_code': code })).body.access_token as string;
    expect((await request(f.app).post(`/api/v1/awards/${badge.awardId}/revoke`).set('Authorization', `Bearer ${f.adminToken}`).send({ reason: 'Appeal upheld' })).status).toBe(200);
    const denied = await credential(access, await wallet.proof({ aud: BASE_URL, nonce: await nonce() }));
    expect({ status: denied.status, error: denied.body.error }).toEqual({ status: 400, error: 'credential_request_denied' });
    await expect(createOffer(walletsDepsFor(f.ctx), { awardId: badge.awardId, learnerId: f.learnerId, withTxCode: false })).rejects.toMatchObject({ code: 'ERR_AWARD_REVOKED' });
  });

  it('stores codes, transaction codes, access tokens and nonces only as hashes', async () => {
    const created = await offer(true);
    const res = await token({ grant_type: GRANT, 'pre-authorized_code': created.code, tx_code: created.txCode! });
    const n = await nonce();
    const dump = JSON.stringify(await Promise.all(['wallet_offers', 'wallet_access_tokens', 'wallet_nonces'].map((t) =>
      f.ctx.database.db.withTables<Record<string, Record<string, unknown>>>().selectFrom(t).selectAll().execute())));
    for (const secret of [created.code, created.txCode!, res.body.access_token as string, n]) expect(dump).not.toContain(secret);
  });
});

describe('OID4VCI rate limits', () => {
  it('answers 429 once an address exceeds the budget of the public endpoints', async () => {
    const f = await createAdminConsoleFixture({ config: { BASE_URL, RATE_LIMIT_PER_MINUTE: '5' } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await request(f.app).post('/oid4vci/nonce')).status);
      expect(statuses.slice(0, 10).every((s) => s === 200)).toBe(true);
      expect(statuses.slice(10)).toEqual([429, 429]);
      const meta: number[] = [];
      for (let i = 0; i < 6; i++) meta.push((await request(f.app).get('/.well-known/openid-credential-issuer')).status);
      expect(meta.at(-1)).toBe(429);
    } finally {
      await f.close();
    }
  });
});
