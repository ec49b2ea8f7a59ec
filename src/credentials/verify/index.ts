import { calculateJwkThumbprint, compactVerify, type JWK } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Canonizer } from '../canonize';
import { VC_V2_CONTEXT } from '../contexts';
import { verifyDataIntegrityProof } from '../data-integrity';
import { jwtClaimsFor } from '../jwt';
import type { SchemaValidator } from '../schema';
import { bitAt, decodeStatusList } from '../status-list';
import type { PublicJwk } from '../tables';
import { parseInput, type ParsedInput } from './input';
import { resolveDidKey, resolveVerificationMethod, type DidResolver } from './keys';

export { parseInput, MAX_CREDENTIAL_BYTES } from './input';
export { resolveDidKey, type DidResolver } from './keys';

export interface Check {
  check: string;
  ok: boolean;
  message: string;
}

export interface VerificationResult {
  verified: boolean;
  checks: Check[];
  credential?: Record<string, unknown>;
}

export interface VerifyDeps {
  canonizer: Canonizer;
  /** DID documents we can resolve offline (our issuers); did:key is built in. */
  resolveDid: DidResolver;
  /** Our JWKS, for a JWS `kid` that is not a DID URL. */
  jwks?: () => Promise<{ keys: PublicJwk[] }>;
  /** Status list credentials we can read (ours, from the database); undefined = not reachable. */
  loadStatusList?: (url: string) => Promise<Record<string, unknown> | undefined>;
  schemas?: SchemaValidator;
  now: Date;
  /** Allowed clock skew for validFrom. Default 5 minutes. */
  skewMs?: number;
}

type Json = Record<string, unknown>;
// Why an allow-list: `none` and HMAC algorithms would let anyone mint a "valid" JWS.
const JWS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];

/** Verifies a credential given as object, JSON, compact JWS, PNG or SVG; throws only on unreadable input. */
export async function verifyCredential(input: unknown, deps: VerifyDeps): Promise<VerificationResult> {
  const parsed = parseInput(input);
  const credential = parsed.credential;
  const checks: Check[] = [];
  const add = (check: string, ok: boolean, message: string) => checks.push({ check, ok, message });
  const issuerId = idOf(credential.issuer);

  const ctx = credential['@context'];
  const types = ([] as unknown[]).concat(credential.type ?? []);
  const shapeOk = Array.isArray(ctx) && ctx[0] === VC_V2_CONTEXT && types.includes('VerifiableCredential') && !!issuerId;
  add('format', shapeOk, shapeOk ? `${types.filter((t) => t !== 'VerifiableCredential').join(', ') || 'credential'} from ${parsed.source}` : 'Not a VC 2.0 credential with an issuer');

  if (parsed.kind === 'jws') await checkJws(parsed, issuerId, deps, add);
  const proofs = ([] as unknown[]).concat(credential.proof ?? []).filter((p): p is Json => !!p && typeof p === 'object');
  if (proofs.length === 0 && parsed.kind !== 'jws') add('proof', false, 'The credential has no proof');
  for (const proof of proofs) await checkProof(credential, proof, issuerId, deps, add);

  await checkSchema(credential, deps, add);
  checkDates(credential, deps, add);
  await checkStatus(credential, issuerId, deps, add);
  return { verified: checks.every((c) => c.ok), checks, credential };
}

type Add = (check: string, ok: boolean, message: string) => void;

function idOf(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value : (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

async function checkProof(credential: Json, proof: Json, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  if (proof.type === 'Ed25519Signature2020') {
    add('proof.ed25519signature2020', false, 'Legacy Ed25519Signature2020 proofs are not supported (its context is not available offline)');
    return;
  }
  if (proof.type !== 'DataIntegrityProof' || proof.cryptosuite !== 'eddsa-rdfc-2022') {
    add('proof', false, `Unsupported proof ${String(proof.type)} ${String(proof.cryptosuite ?? '')}`.trim());
    return;
  }
  const key = await resolveVerificationMethod(deps.resolveDid, String(proof.verificationMethod ?? ''));
  if (!key) {
    add('proof.data-integrity', false, `Verification method ${String(proof.verificationMethod)} cannot be resolved`);
    return;
  }
  // Key provenance: the issuer must control the key and have authorised it for assertions.
  const provenance = key.controller === issuerId && key.assertion && proof.proofPurpose === 'assertionMethod';
  add('key.provenance', provenance, provenance ? `${key.id} is an assertion key of ${issuerId}` : `${key.id} is not an assertion key controlled by the issuer ${String(issuerId)}`);
  let ok = false;
  try {
    ok = await verifyDataIntegrityProof({ document: credential, proof, publicKey: key.publicKey, canonizer: deps.canonizer });
  } catch (error) {
    add('proof.data-integrity', false, `Cannot canonicalise the credential: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  add('proof.data-integrity', ok, ok ? `eddsa-rdfc-2022 signature by ${key.id} is valid` : 'eddsa-rdfc-2022 signature does not match the credential');
}

async function checkJws(parsed: Extract<ParsedInput, { kind: 'jws' }>, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  const alg = String(parsed.header.alg ?? '');
  if (!JWS_ALGORITHMS.includes(alg)) {
    add('proof.jws', false, `JWS algorithm ${alg || '(none)'} is not accepted`);
    return;
  }
  const key = await jwsKey(parsed.header, issuerId, deps);
  if (!key) {
    add('proof.jws', false, `The JWS key ${String(parsed.header.kid ?? '(jwk header)')} cannot be resolved to a key of the issuer`);
    return;
  }
  add('key.provenance', key.provenance, key.provenance ? `${key.id} belongs to ${issuerId}` : `${key.id} is not controlled by the issuer ${String(issuerId)}`);
  try {
    await compactVerify(parsed.jws, key.publicKey, { algorithms: [alg] });
    add('proof.jws', true, `${alg} signature by ${key.id} is valid`);
  } catch {
    add('proof.jws', false, 'The JWS signature does not match its header and payload');
    return;
  }
  const expected = jwtClaimsFor(parsed.credential);
  const mismatched = Object.entries(expected).filter(([k, v]) => parsed.claims[k] !== v).map(([k]) => k);
  if (parsed.claims.iss === undefined) mismatched.push('iss (missing)');
  add('jwt.claims', mismatched.length === 0, mismatched.length === 0 ? `${Object.keys(expected).join(', ')} match the credential` : `Claims do not match the credential: ${mismatched.join(', ')}`);
}

async function jwsKey(header: Json, issuerId: string | undefined, deps: VerifyDeps): Promise<{ id: string; publicKey: KeyObject; provenance: boolean } | undefined> {
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (kid?.startsWith('did:')) {
    const key = await resolveVerificationMethod(deps.resolveDid, kid);
    return key && { id: key.id, publicKey: key.publicKey, provenance: key.controller === issuerId };
  }
  if (kid && deps.jwks) {
    const jwk = (await deps.jwks()).keys.find((k) => k.kid === kid);
    if (jwk) return { id: kid, publicKey: createPublicKey({ key: jwk as never, format: 'jwk' }), provenance: !!issuerId && kid.startsWith(`${issuerId}#`) };
  }
  // An embedded `jwk` proves nothing by itself: accept it only when it is one of the issuer's keys.
  if (header.jwk && typeof header.jwk === 'object' && issuerId) {
    const doc = issuerId.startsWith('did:key:') ? resolveDidKey(issuerId) : await deps.resolveDid(issuerId);
    const given = await calculateJwkThumbprint(header.jwk as JWK).catch(() => undefined);
    for (const vm of doc?.verificationMethod ?? []) {
      const key = await resolveVerificationMethod(deps.resolveDid, String(vm.id));
      if (!key || !given) continue;
      const thumb = await calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK);
      if (thumb === given) return { id: key.id, publicKey: key.publicKey, provenance: key.controller === issuerId };
    }
  }
  return undefined;
}

async function checkSchema(credential: Json, deps: VerifyDeps, add: Add): Promise<void> {
  const schemas = ([] as unknown[]).concat(credential.credentialSchema ?? []).map(idOf).filter((id): id is string => !!id);
  if (schemas.length === 0) return;
  if (!deps.schemas) {
    add('schema', true, 'Not checked: no schema loader configured');
    return;
  }
  for (const id of schemas) {
    const result = await deps.schemas.validate(id, credential);
    if (!result.available) add('schema', true, `Not checked: ${id} is not available offline`);
    else add('schema', result.ok, result.ok ? `Valid against ${id}` : `Invalid against ${id}: ${result.errors.join('; ')}`);
  }
}

function checkDates(credential: Json, deps: VerifyDeps, add: Add): void {
  const now = deps.now.getTime();
  const from = Date.parse(String(credential.validFrom ?? ''));
  const until = credential.validUntil === undefined ? undefined : Date.parse(String(credential.validUntil));
  if (Number.isNaN(from) || (until !== undefined && Number.isNaN(until))) {
    add('dates', false, 'validFrom/validUntil are not valid dates');
  } else if (from > now + (deps.skewMs ?? 300000)) {
    add('dates', false, `Not valid before ${String(credential.validFrom)}`);
  } else if (until !== undefined && until <= now) {
    add('dates', false, `Expired on ${String(credential.validUntil)}`);
  } else {
    add('dates', true, until === undefined ? 'Valid, with no expiry' : `Valid until ${String(credential.validUntil)}`);
  }
}

/**
 * Status list credentials already verified, by object identity: a loader that serves the same
 * object for an unchanged list (ours caches per list version) is not re-verified on every request.
 */
const verifiedLists = new WeakMap<object, { issuer: string | undefined; ok: boolean }>();

async function listSignedBy(list: Json, issuerId: string | undefined, deps: VerifyDeps): Promise<boolean> {
  const proofs = ([] as unknown[]).concat(list.proof ?? []) as Json[];
  if (idOf(list.issuer) !== issuerId || proofs.length === 0) return false;
  for (const proof of proofs) {
    const key = await resolveVerificationMethod(deps.resolveDid, String(proof.verificationMethod ?? ''));
    if (!key || key.controller !== issuerId) return false;
    const ok = await verifyDataIntegrityProof({ document: list, proof, publicKey: key.publicKey, canonizer: deps.canonizer }).catch(() => false);
    if (!ok) return false;
  }
  return true;
}

async function checkStatus(credential: Json, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  for (const entry of ([] as unknown[]).concat(credential.credentialStatus ?? []) as Json[]) {
    if (entry?.type !== 'BitstringStatusListEntry') {
      add('status', true, `Not checked: status type ${String(entry?.type)} is not supported`);
      continue;
    }
    const url = String(entry.statusListCredential ?? '');
    const index = Number(entry.statusListIndex);
    const list = deps.loadStatusList ? await deps.loadStatusList(url) : undefined;
    if (!list) {
      add('status', true, `Not checked: status list ${url} is not reachable from this verifier`);
      continue;
    }
    let signed = verifiedLists.get(list);
    if (signed === undefined || signed.issuer !== issuerId) {
      signed = { issuer: issuerId, ok: await listSignedBy(list, issuerId, deps) };
      verifiedLists.set(list, signed);
    }
    if (!signed.ok) {
      add('status', false, `Status list ${url} is not signed by the issuer`);
      continue;
    }
    let bit: boolean | undefined;
    try {
      bit = bitAt(decodeStatusList(String((list.credentialSubject as Json | undefined)?.encodedList ?? '')), index);
    } catch {
      bit = undefined;
    }
    const purpose = String(entry.statusPurpose ?? 'revocation');
    if (bit === undefined) add('status', false, `Status index ${String(entry.statusListIndex)} is not in ${url}`);
    else add('status', !bit, bit ? (purpose === 'suspension' ? 'Suspended' : 'Revoked') : `Not ${purpose === 'suspension' ? 'suspended' : 'revoked'}`);
  }
}
