// The VC-JWT is signed with node:crypto rather than jose (CPU per credential); what must hold: the
// very bytes jose's CompactSign makes (RSASSA-PKCS1-v1_5 is deterministic), tokens that jose verifies
// with the registered claims mirroring the credential, and jose's refusal of weak or wrong keys.
import { generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, jwtVerify } from 'jose';
import { appendMembers, jwtClaimsFor, signVcJwt } from '../../src/credentials/jwt';
import { isLaurelError } from '../../src/errors';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'did:web:laurel.test#rsa-1';
const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  id: 'http://laurel.test/credentials/1',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  issuer: { id: 'did:web:laurel.test', name: 'Université de Montréal – Santé 🎓' },
  validFrom: '2026-01-02T03:04:05Z',
  validUntil: '2027-01-02T03:04:05Z',
  credentialSubject: { id: 'did:example:learner', achievement: { name: 'Ünïcödé “quotes” \\ and \u2028 separators' } },
};

describe('signVcJwt', () => {
  it('makes exactly the token jose makes of the same payload and key', async () => {
    const ours = await signVcJwt(credential, { kid, privateKey });
    const payload = new TextEncoder().encode(JSON.stringify({ ...credential, ...jwtClaimsFor(credential) }));
    const jose = await new CompactSign(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
    expect(ours).toBe(jose);
  });

  it('verifies with jose, carrying the credential and the claims that mirror it', async () => {
    const { payload, protectedHeader } = await jwtVerify(await signVcJwt(credential, { kid, privateKey }), publicKey, { algorithms: ['RS256'], currentDate: new Date('2026-06-01T00:00:00Z') });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid, typ: 'JWT' });
    expect(payload).toMatchObject({ ...credential, iss: 'did:web:laurel.test', jti: credential.id, sub: 'did:example:learner', nbf: Date.parse(credential.validFrom) / 1000, exp: Date.parse(credential.validUntil) / 1000 });
  });

  it('a changed payload does not verify', async () => {
    const [header, , signature] = (await signVcJwt(credential, { kid, privateKey })).split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...credential, id: 'x' })).toString('base64url')}.${signature}`;
    await expect(compactVerify(forged, publicKey)).rejects.toThrow();
  });

  it('refuses keys jose refuses: RSA under 2048 bits, a public key, a key of another type', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
    const ed = generateKeyPairSync('ed25519').privateKey;
    for (const key of [weak, publicKey, ed]) {
      const error = await signVcJwt(credential, { kid, privateKey: key }).catch((e: unknown) => e);
      expect(isLaurelError(error, 'ERR_KEY_UNAVAILABLE')).toBe(true);
    }
  });
});

describe('signVcJwt on a credential that already has a claim name', () => {
  it('signs what jose signs: the claim replaces the credential member in place', async () => {
    const odd = { ...credential, sub: 'someone else', nbf: 1 };
    const payload = new TextEncoder().encode(JSON.stringify({ ...odd, ...jwtClaimsFor(odd) }));
    const jose = await new CompactSign(payload).setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' }).sign(privateKey);
    expect(await signVcJwt(odd, { kid, privateKey })).toBe(jose);
  });
});

describe('appendMembers', () => {
  it('gives the JSON of the spread for objects with and without members', () => {
    for (const [object, members] of [[{}, {}], [{}, { a: 1 }], [{ a: 1 }, {}], [{ a: 'x}', b: [1, { c: null }] }, { d: 'é', e: 2 }]] as const) {
      expect(appendMembers(JSON.stringify(object), members)).toBe(JSON.stringify({ ...object, ...members }));
    }
    expect(() => appendMembers('[1]', { a: 1 })).toThrow(TypeError);
  });
});
