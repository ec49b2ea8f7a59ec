import { createHash, sign, verify, type KeyObject } from 'node:crypto';
import type { Canonizer } from './canonize';
import { multibaseDecode, multibaseEncode } from './multibase';

/** An embedded `DataIntegrityProof` as it appears in a credential. */
export interface DataIntegrityProof {
  type: 'DataIntegrityProof';
  created: string;
  verificationMethod: string;
  cryptosuite: 'eddsa-rdfc-2022';
  proofPurpose: 'assertionMethod';
  proofValue: string;
}

export interface Ed25519SigningKey {
  /** Verification method id (`<controller>#<fragment>`). */
  verificationMethod: string;
  privateKey: KeyObject;
}

export interface CreateProofProps {
  /** The unsecured document (any existing `proof` is ignored). */
  document: Record<string, unknown>;
  key: Ed25519SigningKey;
  /** XML Schema dateTime, seconds precision (`2026-01-01T00:00:00Z`). */
  created: string;
  canonizer: Canonizer;
}

/**
 * eddsa-rdfc-2022 (W3C vc-di-eddsa section 3.3): hash the canonical proof configuration and the
 * canonical document separately with SHA-256, sign proofHash || documentHash with Ed25519.
 */
export async function createDataIntegrityProof(props: CreateProofProps): Promise<DataIntegrityProof> {
  const { document, key, created, canonizer } = props;
  const proof = {
    type: 'DataIntegrityProof' as const,
    created,
    verificationMethod: key.verificationMethod,
    cryptosuite: 'eddsa-rdfc-2022' as const,
    proofPurpose: 'assertionMethod' as const,
  };
  const data = await hashData({ document, proofConfig: proof, canonizer });
  const signature = sign(null, data, key.privateKey);
  return { ...proof, proofValue: multibaseEncode(signature) };
}

export interface VerifyProofProps {
  document: Record<string, unknown>;
  proof: Record<string, unknown>;
  publicKey: KeyObject;
  canonizer: Canonizer;
}

/**
 * The Ed25519 proof suites whose signing input is the same (sha256 of the canonical proof options,
 * then of the canonical document, RDFC-1.0 = URDNA2015): `eddsa-rdfc-2022`, its draft name
 * `eddsa-2022`, and the legacy `Ed25519Signature2020` suite (OB 3.0 credentials on VCDM 1.1).
 */
export function ed25519SuiteOf(proof: Record<string, unknown>): 'eddsa-rdfc-2022' | 'eddsa-2022' | 'Ed25519Signature2020' | undefined {
  if (proof.type === 'Ed25519Signature2020') return 'Ed25519Signature2020';
  if (proof.type !== 'DataIntegrityProof') return undefined;
  return proof.cryptosuite === 'eddsa-rdfc-2022' || proof.cryptosuite === 'eddsa-2022' ? proof.cryptosuite : undefined;
}

/** True when `proof` is a valid proof of `document` under `publicKey` in one of `ed25519SuiteOf`'s suites. */
export async function verifyDataIntegrityProof(props: VerifyProofProps): Promise<boolean> {
  const { proof, publicKey, canonizer } = props;
  if (!ed25519SuiteOf(proof)) return false;
  const signature = multibaseDecode(String(proof.proofValue ?? ''));
  if (!signature || signature.length !== 64) return false;
  const { proofValue: _ignored, ...proofConfig } = proof;
  const data = await hashData({ document: props.document, proofConfig, canonizer });
  return verify(null, data, publicKey, signature);
}

async function hashData(props: {
  document: Record<string, unknown>;
  proofConfig: Record<string, unknown>;
  canonizer: Canonizer;
}): Promise<Buffer> {
  const { proof: _proof, ...unsecured } = props.document;
  // The proof configuration is canonicalised under the document's contexts (as stock does).
  const config = { '@context': props.document['@context'], ...props.proofConfig };
  const [proofHash, documentCanon] = await Promise.all([
    proofConfigHash(config, props.canonizer),
    props.canonizer.canonize(unsecured),
  ]);
  return Buffer.concat([proofHash, sha256(documentCanon)]);
}

/**
 * Proof configurations repeat: every credential signed in the same second by the same key has the
 * same one. Their hash is a pure function of the JSON, so it is memoised (bounded, per canonizer).
 */
const proofHashes = new WeakMap<Canonizer, Map<string, Promise<Buffer>>>();
function proofConfigHash(config: Record<string, unknown>, canonizer: Canonizer): Promise<Buffer> {
  let memo = proofHashes.get(canonizer);
  if (!memo) proofHashes.set(canonizer, (memo = new Map()));
  const key = JSON.stringify(config);
  let hash = memo.get(key);
  if (!hash) {
    if (memo.size >= 64) memo.clear();
    hash = canonizer.canonize(config).then(sha256);
    hash.catch(() => memo.delete(key));
    memo.set(key, hash);
  }
  return hash;
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The `created` format stock uses: seconds precision, `Z`. */
export function w3cDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
