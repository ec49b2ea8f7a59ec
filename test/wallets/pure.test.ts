// Pure parts of the wallet issuer: holder key resolution (did:key Ed25519 and P-256, did:jwk, jwk),
// the holder-bound copy, and the offer and metadata documents.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { credentialIssuerMetadata, credentialOffer, didJwkOf, holderBoundCopy, offerLink, resolveHolderKey } from '../../src/wallets';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes: Buffer): string {
  let n = BigInt('0x' + bytes.toString('hex'));
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return out;
}

describe('resolveHolderKey', () => {
  it('reads an Ed25519 did:key with or without its fragment', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const x = publicKey.export({ format: 'jwk' }).x!;
    const did = `did:key:z${base58(Buffer.concat([Buffer.from([0xed, 0x01]), Buffer.from(x, 'base64url')]))}`;
    expect(resolveHolderKey({ kid: `${did}#${did.slice(8)}` })).toEqual({ holderId: did, jwk: { kty: 'OKP', crv: 'Ed25519', x } });
    expect(resolveHolderKey({ kid: did }).holderId).toBe(did);
    expect(() => resolveHolderKey({ kid: `${did}#other` })).toThrow(expect.objectContaining({ details: expect.objectContaining({ error: 'invalid_proof' }) }));
  });

  it('decompresses a P-256 did:key to the same point', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const compressed = Buffer.concat([Buffer.from([Buffer.from(jwk.y!, 'base64url').at(-1)! & 1 ? 0x03 : 0x02]), Buffer.from(jwk.x!, 'base64url')]);
    const did = `did:key:z${base58(Buffer.concat([Buffer.from([0x80, 0x24]), compressed]))}`;
    expect(resolveHolderKey({ kid: did }).jwk).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
  });

  it('turns a bare jwk into its did:jwk and refuses private keys, both kid and jwk, and other DID methods', () => {
    const jwk = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' });
    const bound = resolveHolderKey({ jwk });
    expect(bound.holderId).toBe(didJwkOf({ kty: 'OKP', crv: 'Ed25519', x: jwk.x }));
    expect(resolveHolderKey({ kid: `${bound.holderId}#0` }).jwk).toEqual(bound.jwk);
    const privateJwk = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    for (const header of [{ jwk: privateJwk }, { kid: bound.holderId, jwk }, {}, { kid: 'did:web:evil.example.com#key-1' }, { kid: 'did:key:zNotBase58!' }, { jwk: { kty: 'oct', k: 'AAAA' } }]) {
      expect(() => resolveHolderKey(header)).toThrow(expect.objectContaining({ code: 'ERR_PROTOCOL' }));
    }
    expect(createPublicKey({ key: bound.jwk as never, format: 'jwk' }).asymmetricKeyType).toBe('ed25519');
  });
});

describe('holderBoundCopy', () => {
  const original = {
    '@context': ['https://www.w3.org/ns/credentials/v2'], id: 'https://x.edu/credentials/1', type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: 'did:web:x.edu' }, validFrom: '2026-01-01T00:00:00Z', validUntil: '2028-01-01T00:00:00Z',
    credentialSubject: { type: ['AchievementSubject'], achievement: { id: 'a' }, result: [{ value: '90' }] }, evidence: [{ name: 'E' }],
    credentialStatus: { id: 'old' }, proof: [{ type: 'DataIntegrityProof' }],
  };

  it('keeps the claims, takes its own id, subject, status and date, and drops the old proof', () => {
    const copy = holderBoundCopy(original, { id: 'urn:uuid:2', holderId: 'did:key:z6Mk', credentialStatus: { id: 'new' }, validFrom: new Date('2026-06-01T12:00:00.123Z') });
    expect(copy).toEqual({
      ...original, id: 'urn:uuid:2', validFrom: '2026-06-01T12:00:00Z', credentialStatus: { id: 'new' },
      credentialSubject: { id: 'did:key:z6Mk', ...original.credentialSubject }, proof: undefined,
    } as never);
    expect('proof' in copy).toBe(false);
    expect(original.credentialStatus).toEqual({ id: 'old' });
  });
});

describe('offer and metadata documents', () => {
  it('offers both configurations by reference, with a numeric tx_code when asked', () => {
    expect(offerLink('https://x.edu', 'abc')).toBe('openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fx.edu%2Foid4vci%2Foffers%2Fabc');
    const offer = credentialOffer('https://x.edu', { preAuthorizedCode: 'code', txCode: { length: 6 } });
    expect(offer).toMatchObject({
      credential_issuer: 'https://x.edu',
      credential_configuration_ids: ['OpenBadgeCredential_ldp_vc', 'OpenBadgeCredential_jwt_vc_json'],
      grants: { 'urn:ietf:params:oauth:grant-type:pre-authorized_code': { 'pre-authorized_code': 'code', tx_code: { input_mode: 'numeric', length: 6 } } },
    });
    const metadata = credentialIssuerMetadata('https://x.edu', { name: 'Uni', logoUrl: 'https://x.edu/logo.png' }) as Record<string, any>;
    expect(metadata.display[0]).toEqual({ name: 'Uni', locale: 'en', logo: { uri: 'https://x.edu/logo.png', alt_text: 'Uni logo' } });
    expect(Object.keys(metadata.credential_configurations_supported)).toEqual(offer.credential_configuration_ids);
  });
});
