import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed links in learner email: `unsubscribe` names a learner, `open` an award. The token is the id and
 * an HMAC-SHA256 of `purpose:id` under a key derived from SESSION_SECRET, so a link cannot be forged for
 * another learner or reused for another purpose. They do not expire: RFC 8058 asks that an unsubscribe
 * link keep working for as long as mail carrying it may be read.
 */
export type LinkPurpose = 'unsubscribe' | 'open';

function macOf(secret: string, purpose: LinkPurpose, id: string): Buffer {
  const key = createHmac('sha256', secret).update('laurel:reach-links:v1').digest();
  return createHmac('sha256', key).update(`${purpose}:${id}`).digest().subarray(0, 18);
}

export function signLink(secret: string, purpose: LinkPurpose, id: string): string {
  return `${id}.${macOf(secret, purpose, id).toString('base64url')}`;
}

/** The id a token names, or undefined when the token is malformed or its MAC does not match. */
export function verifyLink(secret: string, purpose: LinkPurpose, token: string): string | undefined {
  const match = /^([0-9a-f-]{36})\.([A-Za-z0-9_-]{24})$/.exec(token);
  if (!match) return undefined;
  const given = Buffer.from(match[2]!, 'base64url');
  const expected = macOf(secret, purpose, match[1]!);
  // Constant time: an early exit would let a caller find a valid MAC byte by byte.
  return given.length === expected.length && timingSafeEqual(given, expected) ? match[1] : undefined;
}

export const reachUrls = {
  unsubscribe: (baseUrl: string, token: string) => `${baseUrl}/reach/unsubscribe/${token}`,
  open: (baseUrl: string, token: string) => `${baseUrl}/reach/open/${token}.gif`,
};
