import { LaurelError } from '../../errors';
import { extractFromPng } from '../baking/png';
import { extractFromSvg } from '../baking/svg';
import { sniffImageType } from '../../images';

/** Largest credential text (JSON or compact JWS) we parse. */
export const MAX_CREDENTIAL_BYTES = 1024 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export type ParsedInput =
  | { kind: 'json'; credential: Record<string, unknown>; source: Source }
  | { kind: 'jws'; jws: string; header: Record<string, unknown>; credential: Record<string, unknown>; claims: Record<string, unknown>; source: Source };
export type Source = 'json' | 'jws' | 'png' | 'svg';

const JWT_CLAIMS = ['iss', 'jti', 'sub', 'nbf', 'exp', 'iat', 'aud'];

function invalid(message: string, check: string, cause?: unknown): LaurelError {
  return new LaurelError('ERR_CREDENTIAL_INVALID', message, { cause, details: { check } });
}

/**
 * Turns whatever a verifier was given (object, JSON text, compact JWS, PNG or SVG bytes) into a
 * credential. Untrusted input: sizes are bounded and every parse failure is a LaurelError
 * (ERR_CREDENTIAL_INVALID, `details.check` = format|image) instead of an exception from a parser.
 */
export function parseInput(input: unknown): ParsedInput {
  if (Buffer.isBuffer(input)) {
    // The image type by the one sniffer (src/images) that every upload path uses.
    const type = sniffImageType(input);
    if (type === 'image/png') return fromText(extract(() => extractFromPng(input)), 'png');
    if (type === 'image/jpeg') throw invalid('A JPEG image cannot hold a baked credential: upload the PNG or SVG badge', 'image');
    if (input.length > 2 * MAX_CREDENTIAL_BYTES) throw invalid('Upload too large', 'format');
    const text = input.toString('utf8');
    if (type === 'image/svg+xml') return fromText(extract(() => extractFromSvg(text)), 'svg');
    return fromText(text, 'json');
  }
  if (typeof input === 'string') return fromText(input, 'json');
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    let size: number;
    try {
      size = JSON.stringify(input).length;
    } catch (error) {
      throw invalid('The credential cannot be serialised (too deeply nested?)', 'format', error);
    }
    if (size > MAX_CREDENTIAL_BYTES) throw invalid('Credential too large', 'format');
    return { kind: 'json', credential: input as Record<string, unknown>, source: 'json' };
  }
  throw invalid('Expected a credential object, compact JWS, PNG or SVG', 'format');
}

function extract(fn: () => string): string {
  try {
    return fn();
  } catch (error) {
    throw invalid(error instanceof Error ? error.message : 'Unreadable image', 'image', error);
  }
}

function fromText(raw: string, source: Source): ParsedInput {
  const text = raw.trim();
  if (text.length > MAX_CREDENTIAL_BYTES) throw invalid('Credential too large', 'format');
  if (text.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw invalid('The credential is not valid JSON', 'format', error);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('The credential is not a JSON object', 'format');
    return { kind: 'json', credential: parsed as Record<string, unknown>, source: source === 'json' ? 'json' : source };
  }
  if (!COMPACT_JWS.test(text)) throw invalid('Neither JSON nor a compact JWS', 'format');
  const [h, p] = text.split('.');
  const header = decodeSegment(h, 'header');
  const payload = decodeSegment(p, 'payload');
  // VC-JWT 2.0 puts the credential at the top level; the older VCDM 1.1 form wraps it in `vc`.
  const body = payload.vc && typeof payload.vc === 'object' ? (payload.vc as Record<string, unknown>) : payload;
  const credential: Record<string, unknown> = {};
  const claims: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload)) (JWT_CLAIMS.includes(k) ? claims : credential)[k] = v;
  return { kind: 'jws', jws: text, header, credential: body === payload ? credential : fromVcClaim(body, claims), claims, source: source === 'json' ? 'jws' : source };
}

/**
 * VC-JWT 1.1 (section 6.3.1 of VCDM 1.1): properties a `vc` claim leaves out are carried by the
 * registered claims; put them back (never overriding what `vc` says) so the credential is whole.
 */
function fromVcClaim(vc: Record<string, unknown>, claims: Record<string, unknown>): Record<string, unknown> {
  const credential = { ...vc };
  const date = (seconds: unknown) => (typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace(/\.000Z$/, 'Z') : undefined);
  if (credential.issuer === undefined && typeof claims.iss === 'string') credential.issuer = claims.iss;
  if (credential.id === undefined && typeof claims.jti === 'string') credential.id = claims.jti;
  if (credential.issuanceDate === undefined && credential.validFrom === undefined && date(claims.nbf)) credential.issuanceDate = date(claims.nbf);
  if (credential.expirationDate === undefined && credential.validUntil === undefined && date(claims.exp)) credential.expirationDate = date(claims.exp);
  const subject = credential.credentialSubject;
  if (subject && typeof subject === 'object' && !Array.isArray(subject) && (subject as Record<string, unknown>).id === undefined && typeof claims.sub === 'string') {
    credential.credentialSubject = { ...(subject as Record<string, unknown>), id: claims.sub };
  }
  return credential;
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw invalid(`The JWS ${what} is not base64url JSON`, 'format', error);
  }
  throw invalid(`The JWS ${what} is not a JSON object`, 'format');
}
