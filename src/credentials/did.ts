import type { PublicJwk } from './tables';
import { DID_V1_CONTEXT, JWS_2020_CONTEXT, MULTIKEY_V1_CONTEXT } from './contexts';
import { multikeyOf } from './keys';

/**
 * did:web identifiers. The installation's default issuer is the bare host of BASE_URL
 * (`did:web:localhost%3A3000`, resolved at `/.well-known/did.json`); further issuers are path based
 * (`did:web:localhost%3A3000:issuers:<slug>`, resolved at `/issuers/<slug>/did.json`). A BASE_URL
 * with a path (`https://x.edu/laurel`) gives `did:web:x.edu:laurel`, resolved at `/laurel/did.json`.
 */
export function didWebFor(baseUrl: string, pathSegments: string[] = []): string {
  const url = new URL(baseUrl);
  const host = encodeURIComponent(url.host); // the port's ':' becomes %3A
  const segments = [...url.pathname.split('/').filter(Boolean), ...pathSegments].map(encodeURIComponent);
  return ['did:web', host, ...segments].join(':');
}

/** The HTTPS URL a did:web resolves to (did:web method spec, "Read"). */
export function didWebDocumentUrl(did: string): string | undefined {
  const match = /^did:web:([^#?]+)$/.exec(did);
  if (!match) return undefined;
  const [host, ...path] = match[1].split(':').map(decodeURIComponent);
  const scheme = /^(localhost|127\.0\.0\.1)(:\d+)?$/.test(host) ? 'http' : 'https';
  return path.length === 0 ? `${scheme}://${host}/.well-known/did.json` : `${scheme}://${host}/${path.join('/')}/did.json`;
}

export interface DidDocument {
  '@context': string[];
  id: string;
  verificationMethod: Record<string, unknown>[];
  assertionMethod: string[];
  authentication?: string[];
}

/** A DID document listing every key of the issuer, active and retired, for assertions. */
export function buildDidDocument(did: string, keys: { algorithm: string; publicJwk: PublicJwk }[]): DidDocument {
  const verificationMethod = keys.map((k) =>
    k.algorithm === 'Ed25519'
      ? multikeyOf(k.publicJwk, did)
      : { id: k.publicJwk.kid, type: 'JsonWebKey', controller: did, publicKeyJwk: stripKid(k.publicJwk) },
  );
  return {
    '@context': [DID_V1_CONTEXT, MULTIKEY_V1_CONTEXT, JWS_2020_CONTEXT],
    id: did,
    verificationMethod,
    assertionMethod: verificationMethod.map((vm) => String(vm.id)),
  };
}

function stripKid(jwk: PublicJwk): PublicJwk {
  const { kid: _kid, ...rest } = jwk;
  return rest;
}

/** Finds a verification method by its full id in a set of DID documents. */
export function findVerificationMethod(docs: DidDocument[], id: string): { doc: DidDocument; method: Record<string, unknown> } | undefined {
  for (const doc of docs) {
    const method = doc.verificationMethod.find((vm) => vm.id === id);
    if (method) return { doc, method };
  }
  return undefined;
}

/**
 * A document loader step for `@digitalbazaar/vc`-style verifiers: a DID resolves to its document,
 * a DID URL with a fragment to the verification method (with the context its type needs).
 */
export function resolveDidUrl(docs: DidDocument[], url: string): object | undefined {
  const [did] = url.split('#');
  const doc = docs.find((d) => d.id === did);
  if (!doc) return undefined;
  if (!url.includes('#')) return doc;
  const method = doc.verificationMethod.find((vm) => vm.id === url);
  if (!method) return undefined;
  return { '@context': method.type === 'Multikey' ? MULTIKEY_V1_CONTEXT : JWS_2020_CONTEXT, ...method };
}
