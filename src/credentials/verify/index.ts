import { calculateJwkThumbprint, compactVerify, type JWK } from 'jose';
import { createPublicKey, type KeyObject } from 'node:crypto';
import { isLaurelError } from '../../errors';
import type { Canonizer } from '../canonize';
import { VC_V1_CONTEXT, VC_V2_CONTEXT } from '../contexts';
import { ed25519SuiteOf, verifyDataIntegrityProof } from '../data-integrity';
import { jwtClaimsFor } from '../jwt';
import type { SchemaValidator } from '../schema';
import { bitAt, decodeStatusList } from '../status-list';
import type { PublicJwk } from '../tables';
import { parseInput, type ParsedInput } from './input';
import { resolveDidKey, resolveVerificationMethod, type DidResolver, type ResolvedKey } from './keys';

export { parseInput, MAX_CREDENTIAL_BYTES } from './input';
export { resolveDidKey, type DidResolver } from './keys';

/** ok = the check ran and passed; failed = it ran and failed; not-checked = it could not run (never a pass). */
export type CheckStatus = 'ok' | 'failed' | 'not-checked';

/**
 * Who vouches for the signing key, weakest last:
 * - `issuer-key`: the issuer's own DID document lists the key (Laurel's issuers from the database, other
 *   issuers' did:web documents fetched through the outbound client);
 * - `self-certifying`: the issuer is a did:key, the identifier is the key itself;
 * - `self-asserted`: the key came inside the credential (JWS `jwk` header) and nothing ties it to the
 *   issuer: the signature proves the credential is unchanged since signing, not who signed it.
 */
export type KeyTrust = 'issuer-key' | 'self-certifying' | 'self-asserted';

export interface Check {
  check: string;
  /** True only when `status` is `ok`: a check that did not run never reads as passed. */
  ok: boolean;
  status: CheckStatus;
  message: string;
  /** On `key.provenance` (and the proofs it vouches for): what ties the key to the issuer. */
  trust?: KeyTrust;
}

/**
 * `verified`: every check ran and passed (a declared schema that is not available offline may stay
 * `not-checked`: it says nothing about who issued the credential or whether it still stands).
 * `status-unknown`: nothing failed, but the credential's status (revocation) could not be confirmed.
 * `not-verified`: a check failed, or a check that vouches for the credential could not run.
 */
export type Verdict = 'verified' | 'status-unknown' | 'not-verified';

export interface VerificationResult {
  verified: boolean;
  verdict: Verdict;
  /** One line for people: the verdict and what it rests on. */
  summary: string;
  checks: Check[];
  credential?: Record<string, unknown>;
}

/** A 1EdTech Revocation List (OB 3.0 section 9.4): `revokedCredentials: [{id, revocationReason?}]`. */
export type RevocationListDocument = Record<string, unknown>;

export interface VerifyDeps {
  canonizer: Canonizer;
  /** DID documents: our issuers' (database) and other issuers' did:web (fetched); did:key is built in. */
  resolveDid: DidResolver;
  /** Our JWKS, for a JWS `kid` that is not a DID URL. */
  jwks?: () => Promise<{ keys: PublicJwk[] }>;
  /** Bitstring status list credentials (ours from the database, others fetched); undefined = cannot be read. */
  loadStatusList?: (url: string) => Promise<Record<string, unknown> | undefined>;
  /** 1EdTech revocation lists we can read; undefined (or absent) = cannot be fetched. */
  loadRevocationList?: (url: string) => Promise<RevocationListDocument | undefined>;
  schemas?: SchemaValidator;
  now: Date;
  /** Allowed clock skew for validFrom. Default 5 minutes. */
  skewMs?: number;
}

type Json = Record<string, unknown>;
// Why an allow-list: `none` and HMAC algorithms would let anyone mint a "valid" JWS.
const JWS_ALGORITHMS = ['RS256', 'ES256', 'EdDSA', 'Ed25519'];
/** Credential types this verifier reads (the 1EdTech validator refuses a credential of none of them). */
const CREDENTIAL_TYPES = ['OpenBadgeCredential', 'AchievementCredential', 'EndorsementCredential', 'ClrCredential'];
const OB_CLR_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/(ob\/v3p0|clr\/v2p0)\/context(-[\d.]+)?\.json$/;
/** Proofs and status entries read per credential (each may be a fetch); real credentials carry one or two. */
const MAX_PROOFS = 4;
const MAX_STATUS_ENTRIES = 8;
/** Checks that may stay `not-checked` in a verified credential (see Verdict). */
const MAY_STAY_UNCHECKED = new Set(['schema']);

type Add = (check: string, status: CheckStatus, message: string, trust?: KeyTrust) => void;

/** Verifies a credential given as object, JSON, compact JWS, PNG or SVG; throws only on unreadable input. */
export async function verifyCredential(input: unknown, deps: VerifyDeps): Promise<VerificationResult> {
  const parsed = parseInput(input);
  const credential = parsed.credential;
  const checks: Check[] = [];
  const add: Add = (check, status, message, trust) => checks.push({ check, ok: status === 'ok', status, message, ...(trust ? { trust } : {}) });
  const issuerId = idOf(credential.issuer);

  checkFormat(credential, parsed, issuerId, add);
  if (parsed.kind === 'jws') await checkJws(parsed, issuerId, deps, add);
  const proofs = ([] as unknown[]).concat(credential.proof ?? []).filter((p): p is Json => !!p && typeof p === 'object');
  if (proofs.length === 0 && parsed.kind !== 'jws') add('proof', 'failed', 'The credential has no proof');
  // Each proof may make the verifier fetch a DID document: a public endpoint must not be a fetch amplifier.
  if (proofs.length > MAX_PROOFS) add('proof', 'failed', `The credential has ${proofs.length} proofs; at most ${MAX_PROOFS} are read`);
  else for (const proof of proofs) await checkProof(credential, proof, issuerId, deps, add);

  await checkSchema(credential, deps, add);
  checkDates(credential, deps, add);
  await checkStatus(credential, issuerId, deps, add);
  return { ...verdictOf(checks), checks, credential };
}

/** The verdict over a list of checks (exported for views that re-read stored results). */
export function verdictOf(checks: Check[]): { verified: boolean; verdict: Verdict; summary: string } {
  const failed = checks.filter((c) => c.status === 'failed');
  const unchecked = checks.filter((c) => c.status === 'not-checked');
  const blocking = unchecked.filter((c) => !MAY_STAY_UNCHECKED.has(c.check));
  const names = (list: Check[]) => [...new Set(list.map((c) => c.check))].join(', ');
  if (checks.length === 0) return { verified: false, verdict: 'not-verified', summary: 'Not verified: nothing could be checked' };
  if (failed.length > 0) return { verified: false, verdict: 'not-verified', summary: `Not verified: ${names(failed)} failed` };
  if (blocking.length > 0 && blocking.every((c) => c.check === 'status')) {
    return { verified: false, verdict: 'status-unknown', summary: 'Not verified (status unknown): the signature checks out, but whether the credential was revoked could not be confirmed' };
  }
  if (blocking.length > 0) return { verified: false, verdict: 'not-verified', summary: `Not verified: ${names(blocking)} could not be checked` };
  const trust = checks.filter((c) => c.check === 'key.provenance').map((c) => c.trust);
  const selfAsserted = trust.includes('self-asserted') ? ' (the signing key is self-asserted: the issuer is not confirmed)' : '';
  const caveat = unchecked.length > 0 ? `; not checked: ${names(unchecked)}` : '';
  return { verified: true, verdict: 'verified', summary: `Verified${selfAsserted}${caveat}` };
}

function idOf(value: unknown): string | undefined {
  const id = typeof value === 'string' ? value : (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}

function checkFormat(credential: Json, parsed: ParsedInput, issuerId: string | undefined, add: Add): void {
  const contexts = ([] as unknown[]).concat(credential['@context'] ?? []);
  const types = ([] as unknown[]).concat(credential.type ?? []);
  const version = contexts[0] === VC_V2_CONTEXT ? 'VCDM 2.0' : contexts[0] === VC_V1_CONTEXT ? 'VCDM 1.1' : undefined;
  const kind = types.find((t): t is string => typeof t === 'string' && CREDENTIAL_TYPES.includes(t));
  const problems = [
    !version && `the first @context is neither ${VC_V2_CONTEXT} nor ${VC_V1_CONTEXT}`,
    !contexts.some((c) => typeof c === 'string' && OB_CLR_CONTEXT.test(c)) && 'no Open Badges 3.0 or CLR 2.0 @context',
    !types.includes('VerifiableCredential') && 'type lacks VerifiableCredential',
    !kind && `type names none of ${CREDENTIAL_TYPES.join(', ')}`,
    !issuerId && 'no issuer id',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length) add('format', 'failed', `Not an Open Badges 3.0 / CLR 2.0 credential: ${problems.join('; ')}`);
  else add('format', 'ok', `${kind} (${version}) from ${parsed.source}`);
}

/** Who vouches for a resolved key, or undefined when it is not the issuer's assertion key. */
function keyTrust(key: ResolvedKey, issuerId: string | undefined): KeyTrust | undefined {
  if (!issuerId || key.controller !== issuerId || !key.assertion) return undefined;
  return issuerId.startsWith('did:key:') ? 'self-certifying' : 'issuer-key';
}

const TRUST_TEXT: Record<KeyTrust, string> = {
  'issuer-key': 'listed as an assertion key in the issuer\'s DID document',
  'self-certifying': 'the issuer is a did:key: its identifier is this key',
  'self-asserted': 'supplied by the credential itself (JWS jwk header); nothing ties it to the issuer, so the signature proves integrity, not who issued it',
};

/**
 * Why a verification method did not resolve: `not-checked` when it names something only the network
 * could answer (another issuer's did:web or https key), `failed` when it cannot name a key at all.
 */
function unresolved(vm: string): { status: CheckStatus; message: string } {
  if (/^did:web:[^#\s]+/.test(vm)) {
    return { status: 'not-checked', message: `Not checked: the DID document of ${vm.split('#')[0]} could not be fetched or read, so the key ${vm} cannot be confirmed` };
  }
  if (/^https:\/\//.test(vm)) {
    return { status: 'not-checked', message: `Verification method ${vm} cannot be resolved (this verifier fetches did:web DID documents, not keys at other URLs)` };
  }
  return { status: 'failed', message: `Verification method ${vm || '(none)'} does not resolve to a key` };
}

async function resolveKey(deps: VerifyDeps, vm: string): Promise<ResolvedKey | { status: CheckStatus; message: string }> {
  const key = await resolveVerificationMethod(deps.resolveDid, vm);
  if (key) return key;
  // Our own did:web resolves: a missing fragment there is a failure, not a question for the network.
  const did = vm.split('#')[0];
  if (did.startsWith('did:web:') && (await deps.resolveDid(did))) return { status: 'failed', message: `The issuer's DID document has no key ${vm}` };
  return unresolved(vm);
}

async function checkProof(credential: Json, proof: Json, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  const suite = ed25519SuiteOf(proof);
  if (!suite) {
    add('proof', 'failed', `Unsupported proof ${String(proof.type)} ${String(proof.cryptosuite ?? '')}`.trim());
    return;
  }
  const vm = typeof proof.verificationMethod === 'string' ? proof.verificationMethod : idOf(proof.verificationMethod) ?? '';
  const key = await resolveKey(deps, vm);
  if (!('publicKey' in key)) {
    add('proof.data-integrity', key.status, key.message);
    return;
  }
  const trust = proof.proofPurpose === 'assertionMethod' ? keyTrust(key, issuerId) : undefined;
  if (trust) add('key.provenance', 'ok', `${key.id}: ${TRUST_TEXT[trust]}`, trust);
  else add('key.provenance', 'failed', `${key.id} is not an assertion key controlled by the issuer ${String(issuerId)} (proofPurpose ${String(proof.proofPurpose)})`);
  let valid = false;
  try {
    valid = await verifyDataIntegrityProof({ document: credential, proof: { ...proof, verificationMethod: vm }, publicKey: key.publicKey, canonizer: deps.canonizer });
  } catch (error) {
    // A context we do not hold is a question only the network could answer: not checked, not failed.
    const missing = missingContext(error);
    if (missing) add('proof.data-integrity', 'not-checked', `Not checked: the JSON-LD context ${missing} is not held by this verifier (contexts are never fetched)`);
    else add('proof.data-integrity', 'failed', `Cannot canonicalise the credential: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  add('proof.data-integrity', valid ? 'ok' : 'failed', valid ? `${suite} signature by ${key.id} is valid: the credential is unchanged since it was signed` : `${suite} signature does not match the credential`, trust);
}

/** The context URL our document loader refused, when that is why canonicalisation failed (jsonld wraps it). */
function missingContext(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    if (isLaurelError(e, 'ERR_CREDENTIAL_INVALID') && typeof e.details.context === 'string') return e.details.context;
    e = (e as { details?: { cause?: unknown }; cause?: unknown }).details?.cause ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

async function checkJws(parsed: Extract<ParsedInput, { kind: 'jws' }>, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  const alg = String(parsed.header.alg ?? '');
  if (!JWS_ALGORITHMS.includes(alg)) {
    add('proof.jws', 'failed', `JWS algorithm ${alg || '(none)'} is not accepted`);
    return;
  }
  const key = await jwsKey(parsed.header, issuerId, deps);
  if (!('publicKey' in key)) {
    add('proof.jws', key.status, key.message);
    return;
  }
  if (key.trust) add('key.provenance', 'ok', `${key.id}: ${TRUST_TEXT[key.trust]}`, key.trust);
  else add('key.provenance', 'failed', `${key.id} is not a key of the issuer ${String(issuerId)}`);
  try {
    await compactVerify(parsed.jws, key.publicKey, { algorithms: [alg] });
    add('proof.jws', 'ok', `${alg} signature by ${key.id} is valid: the credential is unchanged since it was signed`, key.trust);
  } catch {
    add('proof.jws', 'failed', 'The JWS signature does not match its header and payload');
    return;
  }
  const expected = jwtClaimsFor(parsed.credential);
  const mismatched = Object.entries(expected).filter(([k, v]) => parsed.claims[k] !== v).map(([k]) => k);
  if (parsed.claims.iss === undefined) mismatched.push('iss (missing)');
  add('jwt.claims', mismatched.length === 0 ? 'ok' : 'failed', mismatched.length === 0 ? `${Object.keys(expected).join(', ')} match the credential` : `Claims do not match the credential: ${mismatched.join(', ')}`);
}

type JwsKey = { id: string; publicKey: KeyObject; trust: KeyTrust | undefined };

async function jwsKey(header: Json, issuerId: string | undefined, deps: VerifyDeps): Promise<JwsKey | { status: CheckStatus; message: string }> {
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  if (kid?.startsWith('did:')) {
    const key = await resolveKey(deps, kid);
    if ('publicKey' in key) return { id: key.id, publicKey: key.publicKey, trust: keyTrust(key, issuerId) };
    if (!header.jwk) return key;
  } else if (kid && deps.jwks) {
    const jwk = (await deps.jwks()).keys.find((k) => k.kid === kid);
    if (jwk) return { id: kid, publicKey: createPublicKey({ key: jwk as never, format: 'jwk' }), trust: issuerId && kid.startsWith(`${issuerId}#`) ? 'issuer-key' : undefined };
  }
  if (!header.jwk || typeof header.jwk !== 'object') return kid ? unresolved(kid) : { status: 'failed', message: 'The JWS header names no key (neither kid nor jwk)' };
  // Only public members: a jwk carrying `d` must not become a private key here.
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...jwk } = header.jwk as JWK;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: jwk as never, format: 'jwk' });
  } catch {
    return { status: 'failed', message: 'The JWS jwk header is not a usable public key' };
  }
  const given = await calculateJwkThumbprint(jwk);
  // When the issuer's keys can be known here (did:key, our issuers), the embedded key must be one of them.
  const doc = !issuerId ? undefined : issuerId.startsWith('did:key:') ? resolveDidKey(issuerId) : await deps.resolveDid(issuerId);
  if (doc) {
    for (const vm of doc.verificationMethod ?? []) {
      const key = await resolveVerificationMethod(deps.resolveDid, String(vm.id));
      if (!key) continue;
      const thumb = await calculateJwkThumbprint(key.publicKey.export({ format: 'jwk' }) as JWK);
      if (thumb === given) return { id: key.id, publicKey: key.publicKey, trust: keyTrust(key, issuerId) };
    }
    return { status: 'failed', message: `The key in the JWS jwk header is not one of the issuer's keys (${issuerId})` };
  }
  return { id: `jwk ${given}`, publicKey, trust: 'self-asserted' };
}

async function checkSchema(credential: Json, deps: VerifyDeps, add: Add): Promise<void> {
  const schemas = ([] as unknown[]).concat(credential.credentialSchema ?? []).map(idOf).filter((id): id is string => !!id);
  if (schemas.length === 0) {
    add('schema', 'not-checked', 'Not checked: the credential declares no credentialSchema');
    return;
  }
  if (!deps.schemas) {
    add('schema', 'not-checked', 'Not checked: this verifier has no schemas');
    return;
  }
  for (const id of schemas) {
    const result = await deps.schemas.validate(id, credential);
    if (!result.available) add('schema', 'not-checked', `Not checked: ${id} is not available offline`);
    else add('schema', result.ok ? 'ok' : 'failed', result.ok ? `Valid against ${id}` : `Invalid against ${id}: ${result.errors.join('; ')}`);
  }
}

function checkDates(credential: Json, deps: VerifyDeps, add: Add): void {
  const now = deps.now.getTime();
  // VCDM 2.0 validFrom/validUntil; VCDM 1.1 issuanceDate/expirationDate.
  const fromText = credential.validFrom ?? credential.issuanceDate;
  const untilText = credential.validUntil ?? credential.expirationDate;
  const from = Date.parse(String(fromText ?? ''));
  const until = untilText === undefined ? undefined : Date.parse(String(untilText));
  if (Number.isNaN(from) || (until !== undefined && Number.isNaN(until))) {
    add('dates', 'failed', 'validFrom/validUntil (issuanceDate/expirationDate) are not valid dates');
  } else if (from > now + (deps.skewMs ?? 300000)) {
    add('dates', 'failed', `Not valid before ${String(fromText)}`);
  } else if (until !== undefined && until <= now) {
    add('dates', 'failed', `Expired on ${String(untilText)}`);
  } else {
    add('dates', 'ok', until === undefined ? `Valid since ${String(fromText)}, with no expiry` : `Valid from ${String(fromText)} until ${String(untilText)}`);
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
  const entries = ([] as unknown[]).concat(credential.credentialStatus ?? []) as Json[];
  if (entries.length === 0) add('status', 'ok', 'The credential has no credentialStatus: its issuer gave no way to revoke it');
  if (entries.length > MAX_STATUS_ENTRIES) {
    add('status', 'not-checked', `Not checked: the credential names ${entries.length} status entries; at most ${MAX_STATUS_ENTRIES} are read`);
    return;
  }
  for (const entry of entries) {
    if (entry?.type === 'BitstringStatusListEntry') await checkBitstringStatus(entry, issuerId, deps, add);
    else if (entry?.type === '1EdTechRevocationList') await checkRevocationList(credential, entry, issuerId, deps, add);
    else add('status', 'not-checked', `Not checked: status type ${String(entry?.type)} is not supported, so revocation cannot be confirmed`);
  }
}

async function checkBitstringStatus(entry: Json, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  const url = String(entry.statusListCredential ?? '');
  const index = Number(entry.statusListIndex);
  const list = deps.loadStatusList ? await deps.loadStatusList(url).catch(() => undefined) : undefined;
  if (!list) {
    add('status', 'not-checked', `Not checked: status list ${url} cannot be fetched by this verifier, so revocation cannot be confirmed`);
    return;
  }
  if (!([] as unknown[]).concat(list.type ?? []).includes('BitstringStatusListCredential')) {
    add('status', 'not-checked', `Not checked: ${url} is not a BitstringStatusListCredential, so revocation cannot be confirmed`);
    return;
  }
  let signed = verifiedLists.get(list);
  if (signed === undefined || signed.issuer !== issuerId) {
    signed = { issuer: issuerId, ok: await listSignedBy(list, issuerId, deps) };
    verifiedLists.set(list, signed);
  }
  if (!signed.ok) {
    // A list whose proof does not check out says nothing either way: the status stays unknown, never valid.
    add('status', 'not-checked', `Not checked: status list ${url} is not signed by the issuer (its proof could not be verified), so revocation cannot be confirmed`);
    return;
  }
  const listPurpose = (list.credentialSubject as Json | undefined)?.statusPurpose;
  if (typeof listPurpose === 'string' && listPurpose !== String(entry.statusPurpose ?? 'revocation')) {
    add('status', 'not-checked', `Not checked: status list ${url} is for ${listPurpose}, not ${String(entry.statusPurpose ?? 'revocation')}`);
    return;
  }
  let bit: boolean | undefined;
  try {
    bit = bitAt(decodeStatusList(String((list.credentialSubject as Json | undefined)?.encodedList ?? '')), index);
  } catch {
    bit = undefined;
  }
  const purpose = String(entry.statusPurpose ?? 'revocation');
  if (bit === undefined) add('status', 'failed', `Status index ${String(entry.statusListIndex)} is not in ${url}`);
  else add('status', bit ? 'failed' : 'ok', bit ? (purpose === 'suspension' ? 'Suspended' : 'Revoked') : `Not ${purpose === 'suspension' ? 'suspended' : 'revoked'} (issuer-signed status list ${url}, read just now)`);
}

async function checkRevocationList(credential: Json, entry: Json, issuerId: string | undefined, deps: VerifyDeps, add: Add): Promise<void> {
  const url = String(entry.id ?? '');
  const list = deps.loadRevocationList ? await deps.loadRevocationList(url).catch(() => undefined) : undefined;
  const revoked = list && Array.isArray(list.revokedCredentials) ? (list.revokedCredentials as unknown[]) : undefined;
  if (!revoked) {
    add('status', 'not-checked', `Not checked: 1EdTech revocation list ${url} cannot be fetched by this verifier, so revocation cannot be confirmed`);
    return;
  }
  // The list is unsigned JSON (its trust is the issuer's https origin); one naming another issuer is not this credential's.
  if (list!.issuer !== undefined && idOf(list!.issuer) !== issuerId) {
    add('status', 'not-checked', `Not checked: 1EdTech revocation list ${url} names another issuer, so revocation cannot be confirmed`);
    return;
  }
  const hit = revoked.find((r) => idOf(r) === credential.id) as Json | undefined;
  if (hit) add('status', 'failed', `Revoked (1EdTech revocation list ${url})${typeof hit.revocationReason === 'string' ? `: ${hit.revocationReason}` : ''}`);
  else add('status', 'ok', `Not in the 1EdTech revocation list ${url}`);
}
