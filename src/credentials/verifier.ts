import type { Kysely } from 'kysely';
import type { Config } from '../config';
import { createLogger } from '../log';
import { createOutboundFetch, outboundOptionsOf } from '../outbound';
import { loadStandards, standardsDir, type StandardsState } from '../standards';
import { createCanonizer } from './canonize';
import { createDocumentLoader, knownContextUrls, type ContextMap } from './contexts';
import { didWebFor, type DidDocument } from './did';
import { didDocument, listIssuers } from './issuers';
import { jwks } from './keys';
import { createSchemaValidator, standardsSchemaLoader, type SchemaLoader } from './schema';
import type { CredentialSigner } from './signer';
import { statusListCredential, statusListVersion } from './status-list';
import { verifyCredential, type VerificationResult } from './verify';
import { createRemoteDocuments, type RemoteDocuments } from './verify/remote';

/**
 * Where the verifier finds JSON Schemas by `credentialSchema.id`: the hash-checked standards data cache
 * (`STANDARDS_DIR`, filled by `laurel standards fetch`). Nothing is fetched at run time; when the cache
 * is missing the loader says why (`unavailable()`) and the schema check is reported as not checked.
 */
export function defaultSchemaLoader(config: Pick<Config, 'STANDARDS_DIR'> = {}): SchemaLoader {
  return standardsSchemaLoader(loadStandards(standardsDir(config)));
}

/** JSON-LD contexts from the standards data (the CLR 2.0.1 context), so CLRs verify too. */
function standardsContexts(state: StandardsState): ContextMap {
  return state.available ? state.data.contexts : new Map();
}

export interface VerifierOptions<T = unknown> {
  db: Kysely<T>;
  config: Config;
  /** Signs our status list credentials (they are verified like any other issuer's). */
  signer: CredentialSigner;
  schemaLoader?: SchemaLoader;
  /** Extra JSON-LD contexts (e.g. CLR 2.0.1) so such credentials can be verified too. */
  contexts?: ContextMap;
  now?: () => Date;
  /**
   * Reads other issuers' DID documents, status lists and revocation lists. Default: the outbound
   * client under this deployment's policy, with tighter limits (1 MiB, 5 s, 2 redirects).
   */
  remote?: RemoteDocuments;
}

/** The verifier's reader of other issuers' documents, through the outbound client only. */
export function defaultRemoteDocuments(config: Pick<Config, 'NODE_ENV' | 'OUTBOUND_ALLOWED_PRIVATE_HOSTS' | 'LOG_LEVEL'>): RemoteDocuments {
  const fetch = createOutboundFetch({ ...outboundOptionsOf(config), maxBytes: 1024 * 1024, timeoutMs: 5000, maxRedirects: 2 });
  return createRemoteDocuments({ fetch, log: createLogger({ level: config.LOG_LEVEL, name: 'verifier' }) });
}

export type Verifier = (input: unknown) => Promise<VerificationResult>;
const DID_CACHE_MS = 60000;

/**
 * A verifier that resolves our own issuers' DIDs and status lists from the database (never fetched),
 * and other issuers' did:web documents, status lists and 1EdTech revocation lists over the network.
 */
export function createVerifier<T>(options: VerifierOptions<T>): Verifier {
  const { db, config, signer } = options;
  const standards = loadStandards(standardsDir(config));
  const contexts = new Map([...standardsContexts(standards), ...(options.contexts ?? new Map())]);
  const canonizer = createCanonizer({ documentLoader: createDocumentLoader(contexts), fastContexts: knownContextUrls(contexts), maxTemplates: 128 });
  const schemas = createSchemaValidator(options.schemaLoader ?? standardsSchemaLoader(standards));
  const listCache = new Map<string, { version: string; credential: Record<string, unknown> }>();
  const statusPrefix = `${config.BASE_URL}/status-lists/`;
  const remote = options.remote ?? defaultRemoteDocuments(config);
  // Our own did:web host: a DID on it that is not one of our issuers does not exist; never ask the network.
  const ownDidPrefix = didWebFor(config.BASE_URL);
  const isOurs = (url: string) => { try { return new URL(url).origin === new URL(config.BASE_URL).origin; } catch { return false; } };

  // Our DID documents change only on rotation; a short cache spares the database on every
  // verification, and resolveVerificationMethod refreshes it when a key id is not found.
  const didCache = new Map<string, { at: number; doc: DidDocument | undefined }>();
  async function resolveDid(did: string, opts: { refresh?: boolean } = {}): Promise<DidDocument | undefined> {
    const hit = didCache.get(did);
    if (hit && !opts.refresh && Date.now() - hit.at < DID_CACHE_MS) return hit.doc;
    const issuer = (await listIssuers(db)).find((i) => i.did === did);
    const doc = issuer && (await didDocument(db, issuer));
    if (!doc && did.startsWith('did:web:') && did !== ownDidPrefix && !did.startsWith(`${ownDidPrefix}:`)) {
      return remote.didDocument(did, opts); // another issuer's: cached by the remote reader
    }
    if (didCache.size > 1000) didCache.clear();
    didCache.set(did, { at: Date.now(), doc });
    return doc;
  }

  async function loadStatusList(url: string): Promise<Record<string, unknown> | undefined> {
    if (!url.startsWith(statusPrefix)) return isOurs(url) ? undefined : remote.json(url);
    const listId = url.slice(statusPrefix.length);
    // Read the version on every verification (a revocation must show at once), the bits only when changed.
    const version = await statusListVersion(db, listId);
    if (version === undefined) return undefined;
    const cached = listCache.get(listId);
    if (cached?.version === version) return cached.credential;
    const signed = await statusListCredential(db, listId, config, signer);
    if (!signed) return undefined;
    if (listCache.size > 1000) listCache.clear();
    listCache.set(listId, { version: signed.version, credential: signed.credential });
    return signed.credential;
  }

  return (input) =>
    verifyCredential(input, {
      canonizer,
      resolveDid,
      jwks: () => jwks(db), // only for a JWS kid that is not a DID URL (not ours): rare
      loadStatusList,
      // We publish no 1EdTech revocation lists: one on our own origin is not ours to fetch.
      loadRevocationList: async (url) => (isOurs(url) ? undefined : remote.json(url)),
      schemas,
      now: options.now?.() ?? new Date(),
    });
}
