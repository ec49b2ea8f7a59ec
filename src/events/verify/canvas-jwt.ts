import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
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

export async function verifyCanvasJwt(token: string, props: { jwksUrl: string } & CanvasJwtOptions): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keySetFor(props.jwksUrl, props), {
      // Only RS256, as Canvas documents: an allow-list stops `none` and HMAC-with-public-key tricks.
      algorithms: ['RS256'],
      clockTolerance: props.clockToleranceSeconds ?? defaults.clockToleranceSeconds ?? 300,
    });
    return payload;
  } catch (error) {
    throw toLaurelError(error);
  }
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
