import request from 'supertest';
import { BASE_URL, createLearnerBadgeFixture, type LearnerBadgeFixture } from '../support/learner-badge';
import { httpInto, isRevoked, jwsPayload, schemaErrors, stockVerify } from '../support/credential-checks';
import type { WalletHttp } from './test-wallet';
import { TestWallet } from './test-wallet';

/**
 * The learner's journey to a wallet: "Add to a wallet" on their badge page, the offer by reference,
 * the pre-authorized code (with a transaction code), a c_nonce, a key proof of the wallet's own
 * did:key, and both formats. What the wallet stores is checked independently, and revoking the award
 * revokes the wallet's copies.
 */
describe('OpenID4VCI: the test wallet receives a holder-bound badge', () => {
  let f: LearnerBadgeFixture;
  let http: WalletHttp;

  beforeAll(async () => {
    f = await createLearnerBadgeFixture();
    http = httpInto(f.app, BASE_URL);
  });
  afterAll(async () => {
    await f.close();
  });

  /** Creates an offer through the learner's pages and returns the link and code the page shows. */
  async function offerFromPage(awardId: string, withTxCode = true): Promise<{ link: string; txCode?: string; html: string }> {
    const learnerPage = await request(f.app).get(`/lti/courses/${f.courseId}/learner`).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    expect(learnerPage.status).toBe(200);
    const walletPath = `/lti/courses/${f.courseId}/learner/wallet/${awardId}`;
    expect(learnerPage.text).toContain(`href="${walletPath}"`);
    const walletPage = await request(f.app).get(walletPath).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    expect(walletPage.status).toBe(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(walletPage.text)![1]!;
    const created = await request(f.app).post(walletPath).set('Cookie', f.learnerCookie).type('form').send({ _csrf: csrf, ...(withTxCode ? { txCode: 'on' } : {}) });
    expect(created.status).toBe(200);
    expect(created.headers['cache-control']).toContain('no-store');
    const link = /href="(openid-credential-offer:\/\/[^"]+)"/.exec(created.text)![1]!.replace(/&#x3D;/g, '=').replace(/&amp;/g, '&');
    const txCode = /class="wallet-tx-code"[^>]*>(\d{6})</.exec(created.text)?.[1];
    expect(created.text).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/]+(&#x3D;)*" alt="QR code/);
    return { link, txCode, html: created.text };
  }

  it('publishes issuer and authorization server metadata naming both formats and the key proof rules', async () => {
    const metadata = (await http.get(`${BASE_URL}/.well-known/openid-credential-issuer`)).body;
    expect(metadata.credential_issuer).toBe(BASE_URL);
    expect(metadata.nonce_endpoint).toBe(`${BASE_URL}/oid4vci/nonce`);
    expect(metadata.display[0].name).toBeTruthy();
    const configs = metadata.credential_configurations_supported;
    expect(configs.OpenBadgeCredential_ldp_vc.format).toBe('ldp_vc');
    expect(configs.OpenBadgeCredential_jwt_vc_json.format).toBe('jwt_vc_json');
    expect(configs.OpenBadgeCredential_ldp_vc.cryptographic_binding_methods_supported).toEqual(expect.arrayContaining(['did:key', 'did:jwk', 'jwk']));
    expect(configs.OpenBadgeCredential_jwt_vc_json.proof_types_supported.jwt.proof_signing_alg_values_supported).not.toContain('none');
    const as = (await http.get(`${BASE_URL}/.well-known/oauth-authorization-server/oid4vci`)).body;
    expect(as.issuer).toBe(metadata.authorization_servers[0]);
    expect(as['pre-authorized_grant_anonymous_access_supported']).toBe(true);
  });

  it('issues both formats bound to the wallet\'s did:key; each verifies independently and is revoked with the award', async () => {
    const wallet = await TestWallet.create();
    const { link, txCode } = await offerFromPage(f.awardId);
    expect(txCode).toMatch(/^\d{6}$/);
    const received = await wallet.receive(http, link, { txCode });
    expect(received.map((r) => r.format).sort()).toEqual(['jwt_vc_json', 'ldp_vc']);

    const original = (await http.get(`${BASE_URL}/credentials/${f.credentialId}`, { Accept: 'application/ld+json' })).body;
    const ldp = received.find((r) => r.format === 'ldp_vc')!.credential;
    expect(ldp.credentialSubject.id).toBe(wallet.did);
    expect(ldp.id).toMatch(/^urn:uuid:/);
    expect(ldp.id).not.toBe(original.id);
    expect(ldp.credentialSubject.achievement).toEqual(original.credentialSubject.achievement);
    expect(ldp.credentialSubject.result).toEqual(original.credentialSubject.result);
    expect(ldp.evidence).toEqual(original.evidence);
    expect(ldp.credentialStatus.statusListIndex).not.toBe(original.credentialStatus.statusListIndex);
    expect(schemaErrors(ldp)).toEqual([]);
    const stock = await stockVerify(http, BASE_URL, ldp);
    expect(stock.error).toBeUndefined();
    expect(stock.verified).toBe(true);

    const jws = received.find((r) => r.format === 'jwt_vc_json')!.credential as string;
    const payload = await jwsPayload(http, BASE_URL, jws);
    expect(payload.sub).toBe(wallet.did);
    expect(payload.iss).toBe(original.issuer.id);
    expect(payload.credentialSubject.id).toBe(wallet.did);
    const { iss: _i, sub: _s, jti: _j, nbf: _n, exp: _e, iat: _t, ...vcBody } = payload;
    expect(schemaErrors(vcBody)).toEqual([]);

    expect(await isRevoked(http, original.credentialStatus)).toBe(false);
    expect(await isRevoked(http, ldp.credentialStatus)).toBe(false);
    expect(await isRevoked(http, payload.credentialStatus)).toBe(false);

    const revoked = await request(f.app).post(`/api/v1/awards/${f.awardId}/revoke`).set('Authorization', `Bearer ${f.adminToken}`).send({ reason: 'Issued by mistake' });
    expect(revoked.status).toBe(200);
    expect(await isRevoked(http, original.credentialStatus)).toBe(true);
    expect(await isRevoked(http, ldp.credentialStatus)).toBe(true);
    expect(await isRevoked(http, payload.credentialStatus)).toBe(true);
  });

  it('works without a transaction code, and a revoked badge offers no wallet link', async () => {
    const second = await f.awardAnother('Mitosis Master');
    const wallet = await TestWallet.create();
    const { link, txCode } = await offerFromPage(second.awardId, false);
    expect(txCode).toBeUndefined();
    const [ldp] = await wallet.receive(http, link, { configurations: ['OpenBadgeCredential_ldp_vc'] });
    expect(ldp!.credential.credentialSubject.id).toBe(wallet.did);
    const learnerPage = await request(f.app).get(`/lti/courses/${f.courseId}/learner`).set('Cookie', f.learnerCookie).set('Accept', 'text/html');
    expect(learnerPage.text).not.toContain(`/learner/wallet/${f.awardId}"`);
  });
});
