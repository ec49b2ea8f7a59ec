import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { MULTIKEY_V1_CONTEXT } from '../contexts';
import type { DidDocument } from '../did';
import { ed25519PublicKeyFromRaw } from '../ed25519';
import { ed25519RawFromMultibase } from '../multibase';

/** Resolves DIDs without the network: our own did:web issuers (from the database) and did:key. */
export type DidResolver = (did: string, options?: { refresh?: boolean }) => Promise<DidDocument | undefined>;

export interface ResolvedKey {
  id: string;
  controller: string;
  publicKey: KeyObject;
  /** The verification method is listed under `assertionMethod` of its controller's document. */
  assertion: boolean;
}

/** did:key for Ed25519 (`z6Mk...`) resolves offline: the key is the identifier. */
export function resolveDidKey(did: string): DidDocument | undefined {
  const match = /^did:key:(z6Mk[1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  if (!match || !ed25519RawFromMultibase(match[1])) return undefined;
  const id = `${did}#${match[1]}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', MULTIKEY_V1_CONTEXT],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: match[1] }],
    assertionMethod: [id],
  };
}

/** Finds a verification method by DID URL and turns it into a usable public key. */
export async function resolveVerificationMethod(resolver: DidResolver, vmId: string): Promise<ResolvedKey | undefined> {
  // A bare did:key names its only key (did:key spec: the fragment is the key itself).
  if (typeof vmId === 'string' && /^did:key:z[1-9A-HJ-NP-Za-km-z]+$/.test(vmId)) vmId = `${vmId}#${vmId.slice('did:key:'.length)}`;
  if (typeof vmId !== 'string' || !vmId.includes('#')) return undefined;
  const did = vmId.split('#')[0];
  let doc = did.startsWith('did:key:') ? resolveDidKey(did) : await resolver(did);
  // A cached document may predate a key rotation: look once more, bypassing the cache.
  if (!did.startsWith('did:key:') && !doc?.verificationMethod.some((vm) => vm.id === vmId)) doc = await resolver(did, { refresh: true });
  if (!doc) return undefined;
  const method = doc.verificationMethod.find((vm) => vm.id === vmId);
  if (!method) return undefined;
  const publicKey = publicKeyOf(method);
  if (!publicKey) return undefined;
  return {
    id: vmId,
    controller: String(method.controller ?? ''),
    publicKey,
    assertion: doc.assertionMethod.some((a) => a === vmId),
  };
}

// Parsing keys is a measurable share of a verification; DID documents repeat the same few keys.
const keyCache = new Map<string, KeyObject | undefined>();

function publicKeyOf(method: Record<string, unknown>): KeyObject | undefined {
  const cacheKey = JSON.stringify([method.publicKeyMultibase, method.publicKeyJwk]);
  if (keyCache.has(cacheKey)) return keyCache.get(cacheKey);
  const key = parsePublicKey(method);
  if (keyCache.size >= 1000) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

function parsePublicKey(method: Record<string, unknown>): KeyObject | undefined {
  try {
    if (typeof method.publicKeyMultibase === 'string') {
      const raw = ed25519RawFromMultibase(method.publicKeyMultibase);
      return raw && ed25519PublicKeyFromRaw(raw);
    }
    if (method.publicKeyJwk && typeof method.publicKeyJwk === 'object') {
      const jwk = method.publicKeyJwk as JsonWebKey;
      // Only public members: a JWK carrying `d` must not be turned into a private key here.
      const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
      return createPublicKey({ key: pub, format: 'jwk' });
    }
  } catch {
    return undefined;
  }
  return undefined;
}
