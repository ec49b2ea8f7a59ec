import { decodeJwt, decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type JWK } from 'jose';
import { LaurelError } from '../errors';
import type { Platform } from '../courses';
import type { JwksCache } from './jwks';
import { CLAIM, launchClaimsSchema, type LaunchClaims } from './schema';

/** Why a launch was refused; shown on the error page and logged. */
export type LaunchRefusal =
  | 'MALFORMED'
  | 'ALG_NOT_ALLOWED'
  | 'WRONG_ISS'
  | 'WRONG_AUD'
  | 'PLATFORM_INACTIVE'
  | 'UNKNOWN_KID'
  | 'BAD_SIGNATURE'
  | 'EXPIRED'
  | 'TOO_OLD'
  | 'ISSUED_IN_FUTURE'
  | 'MISSING_CLAIM'
  | 'UNKNOWN_DEPLOYMENT'
  | 'REPLAYED_NONCE'
  | 'STATE_MISMATCH'
  | 'SESSION_EXPIRED';

/** The platforms Laurel knows, as the launch verifier needs them. */
export interface PlatformDirectory {
  platformsOfIssuer(issuer: string): Promise<Platform[]>;
  /** The deployments row id, or undefined when the deployment is not registered. */
  findDeployment(platformId: string, deploymentId: string): Promise<string | undefined>;
  /** Records a deployment of a platform that accepts new deployments; returns its row id. */
  addDeployment(platformId: string, deploymentId: string): Promise<string>;
}

export interface VerifyLaunchProps {
  idToken: string;
  directory: PlatformDirectory;
  jwks: JwksCache;
  now: Date;
  /** Oldest accepted `iat`, in seconds. */
  maxAgeSeconds: number;
  /** Tolerated clock difference with the platform for `exp`/`iat`/`nbf`, in seconds. */
  clockToleranceSeconds: number;
}

export interface VerifiedLaunch {
  claims: LaunchClaims;
  platform: Platform;
  deploymentRowId: string;
  /** The platform key that verified the token (handed to ltijs so it does not fetch it again). */
  jwk: JWK;
}

function refuse(reason: LaunchRefusal, message: string, cause?: unknown): LaurelError {
  const code = reason === 'UNKNOWN_DEPLOYMENT' ? 'ERR_LTI_DEPLOYMENT_UNKNOWN' : 'ERR_LTI_LAUNCH_INVALID';
  return new LaurelError(code, message, { cause, details: { reason } });
}

/**
 * Verifies an LTI 1.3 id_token before ltijs sees it, with the checks ltijs lacks or reports vaguely:
 * an RS256-only allow-list, issuer and audience against registered platforms, the signing key by `kid`
 * (cached, refetched on rotation), expiry with bounded clock tolerance, a maximum age, the required
 * claims per message type, and a registered deployment (ltijs ignores deployment ids). Nonce replay
 * and the OIDC state are checked by ltijs afterwards, against the PostgreSQL store.
 */
export async function verifyLaunch(props: VerifyLaunchProps): Promise<VerifiedLaunch> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let unverified: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(props.idToken);
    unverified = decodeJwt(props.idToken);
  } catch (cause) {
    throw refuse('MALFORMED', 'The id_token is not a JWT.', cause);
  }
  // Only RS256, as LTI 1.3 mandates: accepting what the header asks for invites alg confusion.
  if (header.alg !== 'RS256') throw refuse('ALG_NOT_ALLOWED', `The id_token is signed with ${String(header.alg)}; only RS256 is accepted.`);
  if (typeof header.kid !== 'string' || header.kid === '') throw refuse('UNKNOWN_KID', 'The id_token header names no key (kid).');
  const issuer = typeof unverified.iss === 'string' ? unverified.iss : '';
  const candidates = issuer ? await props.directory.platformsOfIssuer(issuer) : [];
  if (candidates.length === 0) throw refuse('WRONG_ISS', `No platform with issuer "${issuer}" is registered with Laurel.`);

  const audiences = Array.isArray(unverified.aud) ? unverified.aud : typeof unverified.aud === 'string' ? [unverified.aud] : [];
  // With several audiences, the authorised party must be us (OIDC Core 3.1.3.7).
  const wanted = audiences.length > 1 && typeof unverified.azp === 'string' ? [unverified.azp] : audiences;
  const platform = candidates.find((p) => wanted.includes(p.client_id));
  if (!platform) throw refuse('WRONG_AUD', `The id_token is addressed to ${JSON.stringify(unverified.aud)}, not to a client id Laurel holds for ${issuer}.`);
  if (platform.status !== 'active') {
    throw refuse('PLATFORM_INACTIVE', `The registration of ${platform.name} is ${platform.status}: an administrator must activate it in Laurel first.`);
  }

  const jwk = await props.jwks.getKey(platform.jwks_url, header.kid, props.now.getTime());
  let payload: Record<string, unknown>;
  try {
    const key = await importJWK({ ...jwk, alg: 'RS256' }, 'RS256');
    ({ payload } = await jwtVerify(props.idToken, key, {
      algorithms: ['RS256'],
      issuer: platform.issuer,
      audience: platform.client_id,
      currentDate: props.now,
      clockTolerance: props.clockToleranceSeconds,
      requiredClaims: ['exp', 'iat', 'sub', 'nonce'],
    }));
  } catch (cause) {
    if (cause instanceof joseErrors.JWTExpired) throw refuse('EXPIRED', 'The id_token has expired.', cause);
    if (cause instanceof joseErrors.JWSSignatureVerificationFailed) throw refuse('BAD_SIGNATURE', 'The id_token signature does not verify with the platform key.', cause);
    if (cause instanceof joseErrors.JWTClaimValidationFailed) throw refuse('MISSING_CLAIM', `The id_token claim "${cause.claim}" is missing or invalid.`, cause);
    throw refuse('MALFORMED', 'The id_token could not be verified.', cause);
  }
  const ageSeconds = props.now.getTime() / 1000 - Number(payload.iat);
  // A token "issued" later than now (beyond the clock tolerance) was minted to outlive its window: a
  // captured or pre-made launch. jose checks exp and nbf, not an iat in the future.
  if (ageSeconds < -props.clockToleranceSeconds) {
    throw refuse('ISSUED_IN_FUTURE', `The id_token says it was issued ${Math.round(-ageSeconds)} s from now.`);
  }
  if (ageSeconds > props.maxAgeSeconds + props.clockToleranceSeconds) {
    throw refuse('TOO_OLD', `The id_token was issued ${Math.round(ageSeconds)} s ago; at most ${props.maxAgeSeconds} s is accepted.`);
  }

  const parsed = launchClaimsSchema.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw refuse('MISSING_CLAIM', `The id_token claim "${issue.path.join('.') || 'payload'}" is missing or invalid: ${issue.message}.`);
  }
  const claims = parsed.data;
  const deploymentId = claims[CLAIM.deploymentId];
  let deploymentRowId = await props.directory.findDeployment(platform.id, deploymentId);
  if (!deploymentRowId) {
    // Canvas assigns deployment ids only when the tool is installed, after registration; an admin
    // may allow a platform's new deployments to be recorded on their first signed launch.
    if (platform.registration.acceptNewDeployments !== true) {
      throw refuse('UNKNOWN_DEPLOYMENT', `Deployment "${deploymentId}" of ${platform.name} is not registered with Laurel.`);
    }
    deploymentRowId = await props.directory.addDeployment(platform.id, deploymentId);
  }
  return { claims, platform, deploymentRowId, jwk };
}
