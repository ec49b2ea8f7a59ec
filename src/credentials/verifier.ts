import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../config';
import { projectRoot } from '../paths';
import { createCanonizer } from './canonize';
import { createDocumentLoader, knownContextUrls, type ContextMap } from './contexts';
import type { DidDocument } from './did';
import { didDocument, listIssuers } from './issuers';
import { jwks } from './keys';
import { createSchemaValidator, directorySchemaLoader, type SchemaLoader } from './schema';
import type { CredentialSigner } from './signer';
import { statusListCredential, statusListVersion } from './status-list';
import { verifyCredential, type VerificationResult } from './verify';

/**
 * Where the verifier finds JSON Schemas by `credentialSchema.id`: the official OB 3.0 / CLR 2.0
 * builds beside the repository (../shared/spec) when present. Nothing is fetched from the network;
 * pass another SchemaLoader to `createVerifier` to serve them from elsewhere.
 */
export function defaultSchemaLoader(): SchemaLoader {
  const spec = join(projectRoot, '..', 'shared', 'spec');
  return directorySchemaLoader([join(spec, 'ob-v3p0', 'schema'), join(spec, 'clr-v2p0', 'schema')]);
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
}

export type Verifier = (input: unknown) => Promise<VerificationResult>;
const DID_CACHE_MS = 60000;

/** A verifier that resolves our own issuers' DIDs and status lists from the database. */
export function createVerifier<T>(options: VerifierOptions<T>): Verifier {
  const { db, config, signer } = options;
  const canonizer = createCanonizer({ documentLoader: createDocumentLoader(options.contexts), fastContexts: knownContextUrls(options.contexts), maxTemplates: 128 });
  const schemas = createSchemaValidator(options.schemaLoader ?? defaultSchemaLoader());
  const listCache = new Map<string, { version: string; credential: Record<string, unknown> }>();
  const statusPrefix = `${config.BASE_URL}/status-lists/`;

  // Our DID documents change only on rotation; a short cache spares the database on every
  // verification, and resolveVerificationMethod refreshes it when a key id is not found.
  const didCache = new Map<string, { at: number; doc: DidDocument | undefined }>();
  async function resolveDid(did: string, opts: { refresh?: boolean } = {}): Promise<DidDocument | undefined> {
    const hit = didCache.get(did);
    if (hit && !opts.refresh && Date.now() - hit.at < DID_CACHE_MS) return hit.doc;
    const issuer = (await listIssuers(db)).find((i) => i.did === did);
    const doc = issuer && (await didDocument(db, issuer));
    if (didCache.size > 1000) didCache.clear();
    didCache.set(did, { at: Date.now(), doc });
    return doc;
  }

  async function loadStatusList(url: string): Promise<Record<string, unknown> | undefined> {
    if (!url.startsWith(statusPrefix)) return undefined;
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
      schemas,
      now: options.now?.() ?? new Date(),
    });
}
