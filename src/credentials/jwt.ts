import type { KeyObject } from 'node:crypto';
import { CompactSign } from 'jose';

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

const encoder = new TextEncoder();

/** Compact JWS, header `{alg: RS256, kid, typ: JWT}`. */
export async function signVcJwt(credential: Record<string, unknown>, key: { kid: string; privateKey: KeyObject }): Promise<string> {
  const payload = { ...credential, ...jwtClaimsFor(credential) };
  return new CompactSign(encoder.encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
}
