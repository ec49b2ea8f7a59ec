import { decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify } from 'jose';
import { protocolError } from '../http';
import { resolveHolderKey, type HolderKey } from './holder-key';

/** JOSE algorithms accepted for key proofs: asymmetric only, so `none` and HMAC can never pass. */
export const PROOF_SIGNING_ALGORITHMS = ['EdDSA', 'ES256', 'ES384'] as const;
export const KEY_PROOF_TYPE = 'openid4vci-proof+jwt';

export interface KeyProofOptions {
  /** The Credential Issuer Identifier: the proof's `aud` must be exactly this. */
  audience: string;
  now: Date;
  /** How old (by `iat`) a proof may be. Default 300 s. */
  maxAgeSeconds?: number;
  /** Consumes a c_nonce: true once for a nonce Laurel issued that has not expired. */
  consumeNonce(nonce: string): Promise<boolean>;
}

/**
 * Verifies one `jwt` key proof (OpenID4VCI 1.0, appendix F.1) and returns the holder's key. Order
 * matters: the signature, audience and freshness are checked before the nonce is consumed, so a
 * forged proof cannot burn a wallet's nonce.
 */
export async function verifyKeyProof(proof: string, options: KeyProofOptions): Promise<HolderKey> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch (cause) {
    throw protocolError('invalid_proof', 'The proof is not a compact JWS.', { cause });
  }
  if (header.typ !== KEY_PROOF_TYPE) throw protocolError('invalid_proof', `The proof's typ must be ${KEY_PROOF_TYPE}.`);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(PROOF_SIGNING_ALGORITHMS as readonly string[]).includes(alg)) {
    throw protocolError('invalid_proof', `The proof's alg must be one of ${PROOF_SIGNING_ALGORITHMS.join(', ')}.`);
  }
  const holder = resolveHolderKey(header);
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK(holder.jwk, alg);
    ({ payload } = await jwtVerify(proof, key, {
      algorithms: [alg],
      typ: KEY_PROOF_TYPE,
      audience: options.audience,
      currentDate: options.now,
      maxTokenAge: options.maxAgeSeconds ?? 300,
      clockTolerance: 30,
      requiredClaims: ['iat', 'aud'],
    }));
  } catch (cause) {
    const reason = cause instanceof joseErrors.JWTClaimValidationFailed ? `claim ${cause.claim}: ${cause.reason}`
      : cause instanceof joseErrors.JWTExpired ? 'the proof is too old'
      : cause instanceof joseErrors.JOSEError ? 'the signature does not verify with the named key'
      : 'the key cannot verify this algorithm';
    throw protocolError('invalid_proof', `The key proof was refused: ${reason}.`, { cause });
  }
  const nonce = payload.nonce;
  if (typeof nonce !== 'string' || nonce.length === 0 || nonce.length > 200 || !(await options.consumeNonce(nonce))) {
    throw protocolError('invalid_nonce', 'The proof does not carry a fresh c_nonce from the nonce endpoint: get a new one and sign again.');
  }
  return holder;
}
