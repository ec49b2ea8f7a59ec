import { ECDH } from 'node:crypto';
import type { JWK } from 'jose';
import { multibaseDecode } from '../credentials';
import { protocolError } from '../http';

/** The wallet's public key from a key proof's header, and the DID its credential is issued to. */
export interface HolderKey {
  /** `did:key:...` or `did:jwk:...` (a bare `jwk` header becomes its did:jwk). */
  holderId: string;
  jwk: JWK;
}

const ED25519_PUB = [0xed, 0x01];
const P256_PUB = [0x80, 0x24];
const MAX_DID_LENGTH = 2048;

function invalidProof(description: string): Error {
  return protocolError('invalid_proof', description);
}

/** A public JWK only: a header carrying private parameters is refused, never used. */
function publicJwk(candidate: unknown): JWK {
  if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate)) throw invalidProof('The jwk header is not a JSON Web Key.');
  const jwk = candidate as Record<string, unknown>;
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'k' in jwk) throw invalidProof('The jwk header holds private or symmetric key material.');
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  if (jwk.kty === 'EC' && (jwk.crv === 'P-256' || jwk.crv === 'P-384') && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
  }
  throw invalidProof('Only Ed25519, P-256 and P-384 public keys are accepted.');
}

/** did:key of an Ed25519 or P-256 multikey (the methods wallets use for holder binding). */
function fromDidKey(did: string): JWK {
  const bytes = multibaseDecode(did.slice('did:key:'.length));
  if (!bytes || bytes.length < 3) throw invalidProof('The did:key is not a base58btc multikey.');
  if (bytes[0] === ED25519_PUB[0] && bytes[1] === ED25519_PUB[1] && bytes.length === 34) {
    return { kty: 'OKP', crv: 'Ed25519', x: bytes.subarray(2).toString('base64url') };
  }
  if (bytes[0] === P256_PUB[0] && bytes[1] === P256_PUB[1] && bytes.length === 35) {
    let point: Buffer;
    try {
      point = ECDH.convertKey(bytes.subarray(2), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    } catch (cause) {
      throw protocolError('invalid_proof', 'The did:key P-256 point is not on the curve.', { cause });
    }
    return { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33, 65).toString('base64url') };
  }
  throw invalidProof('This did:key type is not supported (Ed25519 and P-256 are).');
}

function fromDidJwk(did: string): JWK {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(did.slice('did:jwk:'.length), 'base64url').toString('utf8'));
  } catch (cause) {
    throw protocolError('invalid_proof', 'The did:jwk does not hold a JSON Web Key.', { cause });
  }
  return publicJwk(parsed);
}

/** `did:jwk` of a public JWK: base64url of its JSON (members in a fixed order, so one key has one DID). */
export function didJwkOf(jwk: JWK): string {
  const ordered = jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return `did:jwk:${Buffer.from(JSON.stringify(ordered)).toString('base64url')}`;
}

/**
 * Resolves the key a proof names: exactly one of `kid` (a did:key or did:jwk DID URL) and `jwk`.
 * No network is involved: both DID methods carry the key in the identifier itself, which is why
 * they are the only ones accepted (a did:web would make Laurel fetch arbitrary URLs).
 */
export function resolveHolderKey(header: { kid?: unknown; jwk?: unknown; x5c?: unknown }): HolderKey {
  const hasKid = header.kid !== undefined;
  const hasJwk = header.jwk !== undefined;
  if (header.x5c !== undefined || hasKid === hasJwk) throw invalidProof('The proof header must name its key by exactly one of kid and jwk.');
  if (hasJwk) {
    const jwk = publicJwk(header.jwk);
    return { holderId: didJwkOf(jwk), jwk };
  }
  if (typeof header.kid !== 'string' || header.kid.length > MAX_DID_LENGTH) throw invalidProof('kid must be a DID URL.');
  const [did, fragment] = header.kid.split('#', 2) as [string, string | undefined];
  if (did.startsWith('did:key:')) {
    // A did:key's only verification method is the key itself: `did:key:z...#z...`.
    if (fragment !== undefined && fragment !== did.slice('did:key:'.length)) throw invalidProof('kid names no verification method of this did:key.');
    return { holderId: did, jwk: fromDidKey(did) };
  }
  if (did.startsWith('did:jwk:')) {
    if (fragment !== undefined && fragment !== '0') throw invalidProof('kid names no verification method of this did:jwk.');
    return { holderId: did, jwk: fromDidJwk(did) };
  }
  throw invalidProof('Holder keys are accepted as did:key, did:jwk or a jwk header.');
}
