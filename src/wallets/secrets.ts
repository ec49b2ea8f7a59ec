import { createHash, createHmac, randomInt } from 'node:crypto';

export { randomToken, hashSecret, sameHash } from '../crypto';

/** A numeric transaction code of `length` digits, uniformly random. */
export function numericCode(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/**
 * The pre-authorized code of an offer, derived from its id under a key of its own: the offer
 * document can be served again (by reference) while the database holds only the code's hash.
 */
export function preAuthorizedCodeFor(secret: string, offerId: string): string {
  const key = createHash('sha256').update(`laurel-oid4vci-pre-authorized-code:${secret}`).digest();
  return createHmac('sha256', key).update(offerId).digest('base64url');
}
