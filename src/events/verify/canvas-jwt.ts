import { KeyObject, verify as cryptoVerify } from 'node:crypto';
import { createRemoteJWKSet, customFetch, errors as joseErrors, type JWSHeaderParameters, type JWTPayload } from 'jose';
import { LaurelError } from '../../errors';
import { defaultOutboundFetch } from '../../outbound';

/**
 * Canvas signs HTTPS-delivered Live Events as an RS256 JWT whose claims are the event itself
 * (fixtures/canvas/signing.md). Keys come from the Data Services JWKS configured on the source,
 * never from the token: a `jku`/`x5u` header or an embedded `jwk` is ignored by construction.
 */

export interface CanvasJwtOptions {
  /** Accepted clock difference for `exp`/`nbf`, in seconds. Default 300. */
  clockToleranceSeconds?: number;
  /** How long fetched keys are trusted before a refetch, in ms. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Least time between two fetches triggered by unknown `kid`s, in ms. Default 30 s. */
  cooldownMs?: number;
  /** Timeout of one JWKS fetch, in ms. Default 5 s. */
  timeoutMs?: number;
}

type KeySet = ReturnType<typeof createRemoteJWKSet>;
// One cached key set per URL and process: Canvas rotates monthly, jose refetches when a token names
// a `kid` it has not seen (after the cooldown), which covers rotation without a restart.
const keySets = new Map<string, KeySet>();

let defaults: CanvasJwtOptions = {};

/** Changes the process-wide defaults (tests shorten the cooldown) and drops cached key sets. */
export function configureCanvasJwks(options: CanvasJwtOptions): void {
  defaults = { ...options };
  keySets.clear();
}

function keySetFor(url: string, given: CanvasJwtOptions): KeySet {
  let set = keySets.get(url);
  if (!set) {
    const options = { ...defaults, ...given };
    set = createRemoteJWKSet(new URL(url), {
      cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
      cooldownDuration: options.cooldownMs ?? 30_000,
      timeoutDuration: options.timeoutMs ?? 5_000,
      // The key set URL is an admin's input: fetched through the one outbound client.
      [customFetch]: defaultOutboundFetch(),
    });
    keySets.set(url, set);
  }
  return set;
}

/** Forgets cached key sets (tests; an admin changing a source's JWKS URL). */
export function clearJwksCache(url?: string): void {
  if (url) keySets.delete(url);
  else keySets.clear();
}

/**
 * Verifies a Canvas Live Event JWT and returns its claims. jose resolves the key (JWKS fetch, `kid`
 * match, refetch on rotation); the RS256 check itself is one synchronous node:crypto call on a cached
 * KeyObject, which costs about half of WebCrypto's job and promise per event at intake rates. The
 * checks and their errors are jose's `jwtVerify` ones (same classes, so the same HTTP answers).
 */
export async function verifyCanvasJwt(token: string, props: { jwksUrl: string } & CanvasJwtOptions): Promise<JWTPayload> {
  try {
    const parts = token.split('.');
    if (parts.length !== 3 || parts.some((part) => !BASE64URL.test(part))) throw new joseErrors.JWSInvalid('Invalid Compact JWS');
    const [encodedHeader, encodedPayload, encodedSignature] = parts as [string, string, string];
    const header = decodeJson(encodedHeader, 'JWS Protected Header is invalid') as JWSHeaderParameters;
    // No extension is understood here: a `crit` or unencoded-payload (`b64`) token is refused, never half-read.
    if (header.crit !== undefined || header.b64 !== undefined) throw new joseErrors.JWSInvalid('JWS "crit" and "b64" are not accepted');
    if (typeof header.alg !== 'string' || !header.alg) throw new joseErrors.JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid');
    // Only RS256, as Canvas documents: an allow-list stops `none` and HMAC-with-public-key tricks.
    if (header.alg !== 'RS256') throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
    const key = keyObjectOf(await keySetFor(props.jwksUrl, props)(header, { payload: encodedPayload, signature: encodedSignature }));
    const signingInput = Buffer.from(`${encodedHeader}.${encodedPayload}`, 'latin1');
    if (!cryptoVerify('sha256', signingInput, key, Buffer.from(encodedSignature, 'base64url'))) throw new joseErrors.JWSSignatureVerificationFailed();
    const claims = decodeJson(encodedPayload, 'JWT Claims Set must be a top-level JSON object');
    checkTimes(claims, { now: Math.floor(Date.now() / 1000), tolerance: props.clockToleranceSeconds ?? defaults.clockToleranceSeconds ?? 300 });
    return claims;
  } catch (error) {
    throw toLaurelError(error);
  }
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeJson(part: string, message: string): Record<string, unknown> {
  let value: unknown;
  try {
    // A length of 1 mod 4 is no base64url; Buffer would silently drop the odd character.
    if (part.length % 4 === 1) throw new Error('not base64url');
    value = JSON.parse(utf8.decode(Buffer.from(part, 'base64url')));
  } catch (cause) {
    throw new joseErrors.JWSInvalid(message, { cause });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new joseErrors.JWSInvalid(message);
  return value as Record<string, unknown>;
}

/** jose's numeric date checks: `iat`, `nbf`, `exp` numbers when present; not before `nbf`; not at or after `exp`. */
function checkTimes(claims: JWTPayload, props: { now: number; tolerance: number }): void {
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    if (claims[claim] !== undefined && typeof claims[claim] !== 'number') throw new joseErrors.JWTClaimValidationFailed(`"${claim}" claim must be a number`, claims, claim, 'invalid');
  }
  if (claims.nbf !== undefined && claims.nbf > props.now + props.tolerance) throw new joseErrors.JWTClaimValidationFailed('"nbf" claim timestamp check failed', claims, 'nbf', 'check_failed');
  if (claims.exp !== undefined && claims.exp <= props.now - props.tolerance) throw new joseErrors.JWTExpired('"exp" claim timestamp check failed', claims, 'exp', 'check_failed');
}

// The node KeyObject of each key jose resolved (jose hands back the same CryptoKey until the set reloads).
const keyObjects = new WeakMap<object, KeyObject>();

function keyObjectOf(key: Parameters<typeof KeyObject.from>[0]): KeyObject {
  let keyObject = keyObjects.get(key);
  if (!keyObject) {
    keyObject = KeyObject.from(key);
    // RFC 7518 section 3.3 (and jose): RS256 keys of fewer than 2048 bits are not trusted.
    if ((keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new TypeError('RS256 requires key modulusLength to be 2048 bits or larger');
    keyObjects.set(key, keyObject);
  }
  return keyObject;
}

function toLaurelError(error: unknown): LaurelError {
  if (error instanceof joseErrors.JWTExpired) return new LaurelError('ERR_EVENT_STALE', 'The signed event has expired.', { cause: error });
  // Our side cannot reach the key set: answer 503 so Canvas retries later instead of dropping the event.
  // (fetch failures are plain TypeErrors, possibly from another realm, so anything not from jose counts).
  if (error instanceof joseErrors.JWKSTimeout || !(error instanceof joseErrors.JOSEError)) {
    return new LaurelError('ERR_UNAVAILABLE', 'The signing keys of this event source could not be fetched.', { cause: error });
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey) return new LaurelError('ERR_EVENT_SIGNATURE', 'No key of the source matches the event (kid).', { cause: error });
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return new LaurelError('ERR_EVENT_SIGNATURE', 'Only RS256-signed events are accepted.', { cause: error });
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return new LaurelError('ERR_EVENT_SIGNATURE', 'The event signature does not verify.', { cause: error });
  return new LaurelError('ERR_EVENT_SIGNATURE', 'The event is not a valid signed JWT.', { cause: error });
}
