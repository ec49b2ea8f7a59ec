import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { CompactSign, exportJWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import { bakeSvg, buildOpenBadgeCredential, createDocumentLoader, verifyCredential, type VerificationResult, type VerifyDeps } from '../../src/credentials';
import type { IssuerProfile } from '../../src/credentials/builder';
import { createCanonizer } from '../../src/credentials/canonize';
import { ED25519_2020_CONTEXT, VC_V1_CONTEXT } from '../../src/credentials/contexts';
import { createDataIntegrityProof } from '../../src/credentials/data-integrity';
import { ed25519RawPublicKey } from '../../src/credentials/ed25519';
import { jwtClaimsFor } from '../../src/credentials/jwt';
import { ed25519PublicKeyMultibase, multibaseEncode } from '../../src/credentials/multibase';
import { isLaurelError } from '../../src/errors';
import { sampleFacts } from './support/facts';

/**
 * Credentials the OB 3.0 ecosystem issues, built here with fresh keys, and the verdicts the verifier
 * must give them (issue 12): fail closed on status, read VCDM 1.1 / Ed25519Signature2020 /
 * eddsa-2022 / bare did:key / jwk-header JWS, keep refusing what the 1EdTech validator refuses.
 */

type Json = Record<string, unknown>;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const jsigs = require('jsonld-signatures') as {
  suites: { LinkedDataSignature: new (options: Json) => { signer: { sign(o: { data: Uint8Array }): Promise<Uint8Array> } } };
};

const documentLoader = createDocumentLoader();
const now = new Date('2026-12-01T00:00:00Z');

function didKey(): { did: string; vm: string; privateKey: KeyObject; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const mb = ed25519PublicKeyMultibase(ed25519RawPublicKey(publicKey));
  return { did: `did:key:${mb}`, vm: `did:key:${mb}#${mb}`, privateKey, publicKey };
}

function deps(overrides: Partial<VerifyDeps> = {}): VerifyDeps {
  return { canonizer: createCanonizer({ documentLoader }), resolveDid: async () => undefined, now, ...overrides };
}

const byName = (result: VerificationResult, name: string) => result.checks.filter((c) => c.check === name);
const failed = (result: VerificationResult) => result.checks.filter((c) => c.status === 'failed').map((c) => c.check);

async function signDi(document: Json, key: { vm: string; privateKey: KeyObject }): Promise<Json> {
  const canonizer = createCanonizer({ documentLoader });
  const proof = await createDataIntegrityProof({ document, key: { verificationMethod: key.vm, privateKey: key.privateKey }, created: '2026-11-20T10:00:00Z', canonizer });
  return { ...document, proof: [proof] };
}

/** Ed25519Signature2020 (legacy) on top of stock jsonld-signatures: stock canonicalisation, our key. */
class Ed25519Signature2020 extends jsigs.suites.LinkedDataSignature {
  constructor(key: { vm: string; privateKey: KeyObject }) {
    super({
      type: 'Ed25519Signature2020',
      contextUrl: ED25519_2020_CONTEXT,
      date: '2026-11-20T10:00:00Z',
      signer: { id: key.vm, algorithm: 'Ed25519', sign: async ({ data }: { data: Uint8Array }) => sign(null, Buffer.from(data), key.privateKey) },
    });
  }

  async sign({ verifyData, proof }: { verifyData: Uint8Array; proof: Json }): Promise<Json> {
    proof.proofValue = multibaseEncode(await this.signer.sign({ data: verifyData }));
    return proof;
  }
}

/** An OB 3.0 credential as first published (VCDM 1.1): issuanceDate/expirationDate, the 1.1 context. */
function vcdm11(issuerId: string, contexts: string[]): Json {
  const v2 = buildOpenBadgeCredential(sampleFacts({ id: issuerId, type: ['Profile'], name: 'Wallet-era University' })) as Json;
  // awardedDate came with context 3.0.3; credentialSchema of 3.0.3 describes VCDM 2.0 documents.
  const { validFrom, validUntil, credentialSchema: _schema, awardedDate: _awarded, ...rest } = v2;
  return { ...rest, '@context': [VC_V1_CONTEXT, 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json', ...contexts], type: ['VerifiableCredential', 'OpenBadgeCredential'], issuanceDate: validFrom, expirationDate: validUntil };
}

describe('fail closed: a status that was not confirmed is never "verified"', () => {
  const key = didKey();
  const issuer: IssuerProfile = { id: key.did, type: ['Profile'], name: 'Elsewhere University' };

  test('status list down (cannot be fetched, or its loader fails): not verified (status unknown)', async () => {
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuer, { status: { listId: 'x', statusListIndex: 7, statusListCredential: 'https://status.elsewhere.example/lists/1' } }));
    const signed = await signDi(unsigned, key);
    for (const loadStatusList of [undefined, async () => undefined, async () => { throw new Error('ECONNREFUSED'); }]) {
      const result = await verifyCredential(signed, deps({ loadStatusList }));
      expect(result).toMatchObject({ verified: false, verdict: 'status-unknown' });
      expect(byName(result, 'status')).toEqual([expect.objectContaining({ ok: false, status: 'not-checked', message: expect.stringMatching(/^Not checked: status list https:\/\/status\.elsewhere\.example\/lists\/1 cannot be fetched/) })]);
      expect(failed(result)).toEqual([]); // everything else checks out: only the status is unknown
      expect(result.summary).toMatch(/^Not verified \(status unknown\)/);
    }
  });

  test('1EdTech revocation list: revoked when listed, status unknown when it cannot be read, verified when not listed', async () => {
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuer)) as Json;
    unsigned.credentialStatus = { id: 'https://elsewhere.example/revocations/1', type: '1EdTechRevocationList' };
    const signed = await signDi(unsigned, key);
    const list = (ids: string[]) => async (url: string) => (url === 'https://elsewhere.example/revocations/1' ? { id: url, issuer: key.did, revokedCredentials: ids.map((id) => ({ id, revocationReason: 'Awarded in error' })) } : undefined);

    const unknown = await verifyCredential(signed, deps());
    expect(unknown).toMatchObject({ verified: false, verdict: 'status-unknown' });
    expect(byName(unknown, 'status')[0]).toMatchObject({ status: 'not-checked', ok: false });

    const revoked = await verifyCredential(signed, deps({ loadRevocationList: list([String(unsigned.id)]) }));
    expect(revoked).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(byName(revoked, 'status')[0]).toMatchObject({ status: 'failed', message: 'Revoked (1EdTech revocation list https://elsewhere.example/revocations/1): Awarded in error' });

    const fine = await verifyCredential(signed, deps({ loadRevocationList: list(['urn:uuid:someone-else']) }));
    expect(byName(fine, 'status')[0]).toMatchObject({ status: 'ok' });
    expect(fine).toMatchObject({ verified: true, verdict: 'verified' });
  });

  test('an unsupported status type is status unknown, never passed', async () => {
    const unsigned = buildOpenBadgeCredential(sampleFacts(issuer)) as Json;
    const signed = await signDi({ ...unsigned, credentialStatus: { id: 'https://elsewhere.example/sl#3', type: 'https://elsewhere.example/vocab#CustomStatus' } }, key);
    expect((await verifyCredential(signed, deps())).verdict).toBe('status-unknown');
  });
});

describe('what the ecosystem issues reads correctly', () => {
  test('VCDM 1.1 + Ed25519Signature2020, signed with a fresh key by stock jsonld-signatures: verified, self-certifying did:key', async () => {
    const key = didKey();
    const credential = vcdm11(key.did, [ED25519_2020_CONTEXT]);
    const signed = (await vc.issue({ credential: structuredClone(credential), suite: new Ed25519Signature2020(key), documentLoader })) as Json;
    expect(signed.proof).toMatchObject({ type: 'Ed25519Signature2020', proofPurpose: 'assertionMethod', verificationMethod: key.vm });

    const result = await verifyCredential(signed, deps());
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'format')[0].message).toMatch(/VCDM 1\.1/);
    expect(byName(result, 'key.provenance')[0]).toMatchObject({ status: 'ok', trust: 'self-certifying' });
    expect(byName(result, 'proof.data-integrity')[0].message).toMatch(/^Ed25519Signature2020 signature/);
    expect(byName(result, 'dates')[0].message).toMatch(/^Valid from 2026-11-20T10:00:00Z until 2027-11-20T10:00:00Z/);
    // The schema check did not run (none declared): reported, never passed.
    expect(byName(result, 'schema')[0]).toMatchObject({ status: 'not-checked', ok: false });

    const tampered = await verifyCredential({ ...signed, name: 'Forged' }, deps());
    expect(tampered.verified).toBe(false);
    expect(failed(tampered)).toContain('proof.data-integrity');
    const expired = await verifyCredential(signed, deps({ now: new Date('2028-01-01T00:00:00Z') }));
    expect(failed(expired)).toEqual(['dates']);
  });

  test('a VCDM 1.1 VC-JWT (`vc` claim, issuer/id/dates only in the registered claims) signed with a did:key: verified', async () => {
    const key = didKey();
    const { issuer: _issuer, id, issuanceDate, expirationDate, proof: _proof, ...rest } = vcdm11(key.did, []);
    const payload = { vc: rest, iss: key.did, jti: id, nbf: Date.parse(String(issuanceDate)) / 1000, exp: Date.parse(String(expirationDate)) / 1000 };
    const jws = await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.vm }).sign(key.privateKey);
    const result = await verifyCredential(jws, deps());
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, verdict: 'verified', credential: { issuer: key.did, id, issuanceDate, expirationDate } });
    expect(byName(result, 'jwt.claims')[0]).toMatchObject({ status: 'ok' });
    expect(byName(result, 'key.provenance')[0]).toMatchObject({ trust: 'self-certifying' });
    // A `vc` that names another issuer than `iss` is refused (claims must mirror the credential).
    const other = await new CompactSign(Buffer.from(JSON.stringify({ ...payload, vc: { ...rest, issuer: didKey().did } }))).setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.vm }).sign(key.privateKey);
    expect(failed(await verifyCredential(other, deps()))).toEqual(expect.arrayContaining(['key.provenance', 'jwt.claims']));
  });

  test('eddsa-2022 (the draft name of eddsa-rdfc-2022), signed by stock @digitalbazaar/data-integrity: verified', async () => {
    const key = didKey();
    const jwk = { ...key.privateKey.export({ format: 'jwk' }), kty: 'OKP', crv: 'Ed25519' };
    const keyPair = await Ed25519Multikey.fromJwk({ jwk, secretKey: true, id: key.vm, controller: key.did });
    const unsigned = buildOpenBadgeCredential(sampleFacts({ id: key.did, type: ['Profile'], name: 'Draft-era Issuer' }));
    const suite = new DataIntegrityProof({ signer: keyPair.signer(), cryptosuite: { ...eddsaRdfc2022, name: 'eddsa-2022' }, date: '2026-11-20T10:00:00Z' });
    const signed = (await vc.issue({ credential: structuredClone(unsigned), suite, documentLoader })) as Json;
    expect(signed.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-2022' });
    const result = await verifyCredential(signed, deps());
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'proof.data-integrity')[0].message).toMatch(/^eddsa-2022 signature/);
  });

  test('a bare did:key verification method (no fragment) names its only key', async () => {
    const key = didKey();
    const unsigned = buildOpenBadgeCredential(sampleFacts({ id: key.did, type: ['Profile'], name: 'Bare Key College' }));
    const signed = await signDi(unsigned, { vm: key.did, privateKey: key.privateKey });
    expect((signed.proof as Json[])[0].verificationMethod).toBe(key.did);
    const result = await verifyCredential(signed, deps());
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'key.provenance')[0]).toMatchObject({ status: 'ok', trust: 'self-certifying' });
  });

  test('a JWS whose key comes in its jwk header: verified with self-asserted key provenance; a foreign jwk for a known issuer fails', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const issuer: IssuerProfile = { id: 'did:web:badges.elsewhere.example', type: ['Profile'], name: 'Elsewhere Badges' };
    const credential = buildOpenBadgeCredential(sampleFacts(issuer)) as Json;
    const jwk = await exportJWK(publicKey);
    const jws = await new CompactSign(Buffer.from(JSON.stringify({ ...credential, ...jwtClaimsFor(credential) })))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', jwk })
      .sign(privateKey);
    const result = await verifyCredential(jws, deps());
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'key.provenance')[0]).toMatchObject({ status: 'ok', trust: 'self-asserted', message: expect.stringMatching(/nothing ties it to the issuer/) });
    expect(result.summary).toMatch(/self-asserted/);

    // The same trick against an issuer whose keys are known here (a did:key) is refused.
    const known = didKey();
    const claimed = buildOpenBadgeCredential(sampleFacts({ id: known.did, type: ['Profile'], name: 'Known' })) as Json;
    const forged = await new CompactSign(Buffer.from(JSON.stringify({ ...claimed, ...jwtClaimsFor(claimed) })))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', jwk })
      .sign(privateKey);
    const refused = await verifyCredential(forged, deps());
    expect(refused.verified).toBe(false);
    expect(byName(refused, 'proof.jws')[0]).toMatchObject({ status: 'failed', message: expect.stringMatching(/not one of the issuer's keys/) });
  });

  test('a baked SVG that starts with a DOCTYPE is read; entity declarations and unknown entities stay refused', async () => {
    const key = didKey();
    const credential = await signDi(buildOpenBadgeCredential(sampleFacts({ id: key.did, type: ['Profile'], name: 'SVG School' })), key);
    const jws = await new CompactSign(Buffer.from(JSON.stringify({ ...credential, ...jwtClaimsFor(credential) })))
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: key.vm })
      .sign(key.privateKey);
    const art = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#123"/></svg>';
    const doctype = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n';
    const baked = doctype + bakeSvg(art, jws);
    const result = await verifyCredential(Buffer.from(baked), deps());
    expect(result).toMatchObject({ verified: true, verdict: 'verified' });
    expect(byName(result, 'format')[0].message).toMatch(/from svg$/);

    // Embedded JSON (CDATA) in a DOCTYPE SVG too.
    const embedded = `${doctype}<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential><![CDATA[${JSON.stringify(credential)}]]></openbadges:credential></svg>`;
    expect((await verifyCredential(Buffer.from(embedded), deps())).verified).toBe(true);

    const refusals = [
      `<!DOCTYPE svg [<!ENTITY jws "${jws}">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential verify="&jws;"/></svg>`,
      '<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>&xxe;</openbadges:credential></svg>',
      '<!DOCTYPE svg [<!ENTITY % p SYSTEM "https://evil.example/x.dtd"> %p;]><svg xmlns="http://www.w3.org/2000/svg"/>',
      `<!DOCTYPE svg SYSTEM "https://evil.example/x.dtd"><svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"><openbadges:credential>&ext;</openbadges:credential></svg>`,
    ];
    for (const svg of refusals) {
      let error: unknown;
      await verifyCredential(Buffer.from(svg), deps()).catch((e: unknown) => (error = e));
      expect(isLaurelError(error, 'ERR_CREDENTIAL_INVALID')).toBe(true);
    }
  });
});

describe('what the 1EdTech validator\'s own tests refuse stays refused', () => {
  const key = didKey();
  const issuer: IssuerProfile = { id: key.did, type: ['Profile'], name: 'Refusal Institute' };
  let signed: Json;
  beforeAll(async () => {
    signed = await signDi(buildOpenBadgeCredential(sampleFacts(issuer)), key);
  });
  const withProof = (changes: Json) => ({ ...signed, proof: [{ ...(signed.proof as Json[])[0], ...changes }] });

  test.each([
    ['unknown credential type', () => ({ ...signed, type: ['VerifiableCredential', 'DumbCredential'] }), 'format'],
    ['a required @context removed', () => ({ ...signed, '@context': ['https://www.w3.org/ns/credentials/v2'] }), 'format'],
    ['garbage in the verification method fragment', () => withProof({ verificationMethod: `${key.vm}xyz` }), 'proof.data-integrity'],
    ['a verification method that is not a URI', () => withProof({ verificationMethod: 'not-a-uri' }), 'proof.data-integrity'],
    ['a verification method of an unknown scheme', () => withProof({ verificationMethod: 'xyz:abc#key-1' }), 'proof.data-integrity'],
    ['a verification method of an unknown DID method', () => withProof({ verificationMethod: 'did:example-unknown:abc#key-1' }), 'proof.data-integrity'],
    ['garbage in the proofValue', () => withProof({ proofValue: `${String((signed.proof as Json[])[0].proofValue)}xyz` }), 'proof.data-integrity'],
    ['expired', () => ({ ...signed, validUntil: '2020-01-20T00:00:00Z' }), 'dates'],
    ['not yet issued', () => ({ ...signed, validFrom: '2040-01-01T00:00:00Z' }), 'dates'],
    ['issuer removed', () => ({ ...signed, issuer: undefined }), 'format'],
    ['a proof by a key the issuer does not control', () => ({ ...signed, issuer: { ...issuer, id: didKey().did } }), 'key.provenance'],
  ])('%s: not verified (%s fails)', async (_name, variant, check) => {
    const result = await verifyCredential(JSON.parse(JSON.stringify(variant())) as Json, deps());
    expect(result).toMatchObject({ verified: false, verdict: 'not-verified' });
    expect(failed(result)).toContain(check);
  });

  test('a did:web key that can only be fetched over the network is "not checked", so the credential is not verified', async () => {
    const result = await verifyCredential(withProof({ verificationMethod: 'did:web:elsewhere.example#key-1' }), deps());
    expect(byName(result, 'proof.data-integrity')[0]).toMatchObject({ status: 'not-checked', ok: false });
    expect(result).toMatchObject({ verified: false, verdict: 'not-verified' });
  });
});
