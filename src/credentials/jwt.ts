import { sign, type KeyObject } from 'node:crypto';
import { LaurelError } from '../errors';

/**
 * VC-JWT per OB 3.0 section 8.2 (VCDM 2.0 form): the payload is the credential itself (no `vc`
 * wrapper) plus registered claims that mirror it: `iss` = issuer id, `jti` = credential id, `sub` =
 * credentialSubject.id (when the subject has one), `nbf` = validFrom, `exp` = validUntil. The verifier
 * uses the same mirror for what others issue: VCDM 1.1 names the dates issuanceDate/expirationDate, and
 * a subject may be a list (its first entry is `sub`).
 */
export function jwtClaimsFor(credential: Record<string, unknown>): Record<string, string | number> {
  const claims: Record<string, string | number> = {};
  const issuer = credential.issuer;
  const iss = typeof issuer === 'string' ? issuer : (issuer as { id?: unknown } | undefined)?.id;
  if (typeof iss === 'string') claims.iss = iss;
  if (typeof credential.id === 'string') claims.jti = credential.id;
  const subject = ([] as unknown[]).concat(credential.credentialSubject ?? [])[0] as { id?: unknown } | undefined;
  if (subject && typeof subject.id === 'string') claims.sub = subject.id;
  const nbf = seconds(credential.validFrom ?? credential.issuanceDate);
  if (nbf !== undefined) claims.nbf = nbf;
  const exp = seconds(credential.validUntil ?? credential.expirationDate);
  if (exp !== undefined) claims.exp = exp;
  return claims;
}

function seconds(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
}

/**
 * Compact JWS, header `{alg: RS256, kid, typ: JWT}`. Signed with node:crypto's one-shot RSASSA-PKCS1-v1_5,
 * which is deterministic, so the token is byte for byte what jose's CompactSign makes of the same key
 * and payload (a test holds the two together); jose goes through WebCrypto, whose per-call wrapping
 * and thread-pool job cost about 40% more CPU than the signature itself on every credential issued.
 */
export async function signVcJwt(credential: Record<string, unknown>, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  return signVcJwtOfJson(credential, JSON.stringify(credential), key);
}

/**
 * `signVcJwt` for a credential whose JSON the caller already has (`credentialJson` must be
 * `JSON.stringify(credential)`): the payload is that JSON with the claims appended, the very bytes
 * `JSON.stringify({...credential, ...claims})` gives when the credential has none of the claim names
 * (else that is what is signed), without serialising the document once more.
 */
export async function signVcJwtOfJson(credential: Record<string, unknown>, credentialJson: string, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  assertRs256Key(key.privateKey);
  const claims = jwtClaimsFor(credential);
  const names = Object.keys(claims);
  const payloadJson = names.some((name) => Object.hasOwn(credential, name)) ? JSON.stringify({ ...credential, ...claims }) : appendMembers(credentialJson, claims);
  const input = `${base64url(JSON.stringify({ alg: 'RS256', kid: key.kid, typ: 'JWT' }))}.${base64url(payloadJson)}`;
  return `${input}.${sign('sha256', Buffer.from(input, 'latin1'), key.privateKey).toString('base64url')}`;
}

/**
 * The JSON of `{...object, ...members}` from `JSON.stringify(object)` when no member name is already a
 * key of the object: its members go after the object's own, as the spread puts them.
 */
export function appendMembers(objectJson: string, members: Record<string, unknown>): string {
  if (objectJson[0] !== '{' || objectJson.at(-1) !== '}') throw new TypeError('not the JSON of an object');
  const added = JSON.stringify(members);
  if (added === '{}') return objectJson;
  return objectJson === '{}' ? added : `${objectJson.slice(0, -1)},${added.slice(1)}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** What jose checks before an RS256 signature: a private RSA key of at least 2048 bits (RFC 7518 section 3.3). */
function assertRs256Key(key: KeyObject): void {
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.type !== 'private' || key.asymmetricKeyType !== 'rsa' || bits < 2048) {
    throw new LaurelError('ERR_KEY_UNAVAILABLE', 'RS256 needs a private RSA key of at least 2048 bits');
  }
}
