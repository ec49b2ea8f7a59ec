import { z } from 'zod';
import type { Logger } from '../../log';
import { didWebDocumentUrl, type DidDocument } from '../did';

/**
 * Documents another issuer publishes and the verifier must read (issue 12): its did:web DID document,
 * its BitstringStatusListCredential, its 1EdTech revocation list. Every call goes through the injected
 * fetch, which is the outbound client (private addresses refused, https only in production, size, time
 * and redirect limits). Answers are cached briefly so a popular issuer is not fetched on every
 * verification, and concurrent requests for one URL share one fetch. A failure is `undefined` (the
 * caller reports "not checked" in its own words): the remote body is never passed on.
 */
export interface RemoteDocumentsOptions {
  fetch: typeof fetch;
  /** How long a fetched document is trusted. Default 5 minutes. */
  ttlMs?: number;
  /** Cached documents at most (oldest dropped first). Default 500. */
  maxEntries?: number;
  now?: () => number;
  /** Where failed fetches are noted for operators (URL and reason, never the remote body). */
  log?: Pick<Logger, 'info'>;
}

export interface RemoteDocuments {
  /** The did:web DID document, or undefined when it cannot be fetched or is not a DID document of `did`. */
  didDocument(did: string, options?: { refresh?: boolean }): Promise<DidDocument | undefined>;
  /** A JSON object at an http(s) URL (status list, revocation list), or undefined. */
  json(url: string): Promise<Record<string, unknown> | undefined>;
}

const DEFAULT_TTL_MS = 5 * 60_000;
/** A cached DID document may be refetched (key rotation) only this long after it was read. */
const MIN_REFRESH_MS = 30_000;

const methodSchema = z.object({ id: z.string().min(1), type: z.string().optional(), controller: z.string().optional() }).passthrough();
const didDocumentSchema = z.object({
  id: z.string(),
  verificationMethod: z.array(methodSchema).max(100).default([]),
  assertionMethod: z.array(z.union([z.string(), methodSchema])).max(100).default([]),
}).passthrough();

/** A DID document as this verifier reads it: relative ids made absolute, embedded assertion methods listed. */
export function readDidDocument(did: string, body: unknown): DidDocument | undefined {
  const parsed = didDocumentSchema.safeParse(body);
  // did:web spec, "Read": the document's id must be the DID that was resolved.
  if (!parsed.success || parsed.data.id !== did) return undefined;
  const absolute = (id: string) => (id.startsWith('#') ? `${did}${id}` : id);
  const methods = parsed.data.verificationMethod.map((m) => ({ ...m, id: absolute(m.id) }));
  const assertionMethod: string[] = [];
  for (const entry of parsed.data.assertionMethod) {
    if (typeof entry === 'string') assertionMethod.push(absolute(entry));
    else {
      methods.push({ ...entry, id: absolute(entry.id) });
      assertionMethod.push(absolute(entry.id));
    }
  }
  // A key listed here must belong to this DID: a document cannot vouch for keys of another identifier.
  const own = methods.filter((m) => m.id.startsWith(`${did}#`));
  const context: unknown = parsed.data['@context'];
  const contexts = (Array.isArray(context) ? context : [context]).filter((c): c is string => typeof c === 'string');
  return { '@context': contexts, id: did, verificationMethod: own, assertionMethod: assertionMethod.filter((id) => id.startsWith(`${did}#`)) };
}

/** The URL a did:web resolves to, or undefined when the DID is not a well-formed did:web. */
export function didWebUrl(did: string): string | undefined {
  const url = didWebDocumentUrl(did);
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    const host = decodeURIComponent(did.slice('did:web:'.length).split(':')[0]).toLowerCase();
    // A host with '/', '@', '?' or the like would point the URL somewhere other than the DID says.
    if (parsed.host !== host || parsed.username || parsed.password || parsed.search || parsed.hash) return undefined;
    return parsed.href;
  } catch {
    return undefined;
  }
}

export function createRemoteDocuments(options: RemoteDocumentsOptions): RemoteDocuments {
  const ttl = options.ttlMs ?? DEFAULT_TTL_MS;
  const max = options.maxEntries ?? 500;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; value: unknown }>();
  const inflight = new Map<string, Promise<unknown>>();

  async function fetchJson(url: string, accept: string): Promise<unknown> {
    const response = await options.fetch(url, { headers: { accept }, redirect: 'follow' });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      throw new Error(`HTTP ${response.status}`);
    }
    return JSON.parse(await response.text()) as unknown;
  }

  /** The parsed document at `url` (cached when `read` accepts it), or undefined. */
  async function load<T>(url: string, accept: string, read: (body: unknown) => T | undefined, refresh = false): Promise<T | undefined> {
    const hit = cache.get(url);
    const age = hit ? now() - hit.at : Infinity;
    if (hit && age < ttl && !(refresh && age >= MIN_REFRESH_MS)) return hit.value as T;
    let pending = inflight.get(url) as Promise<T | undefined> | undefined;
    if (!pending) {
      pending = fetchJson(url, accept)
        .then((body) => {
          const value = read(body);
          if (value === undefined) throw new Error('not the expected document');
          return value;
        })
        .catch((error: unknown) => {
          // The outbound client's refusals carry the reason in `cause`; the remote body is never read into the log.
          const reason = error instanceof Error ? [error.message, error.cause instanceof Error ? error.cause.message : undefined].filter(Boolean).join(': ') : String(error);
          options.log?.info({ url, reason }, 'verifier could not read a remote document');
          return undefined;
        })
        .finally(() => inflight.delete(url));
      inflight.set(url, pending);
    }
    const value = await pending;
    if (value !== undefined) {
      cache.delete(url);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
      cache.set(url, { at: now(), value });
    }
    return value;
  }

  const object = (body: unknown) => (body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined);

  return {
    async didDocument(did, opts = {}) {
      const url = didWebUrl(did);
      if (!url) return undefined;
      return load(url, 'application/did+json, application/json', (body) => readDidDocument(did, body), opts.refresh);
    },
    async json(url) {
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        return undefined;
      }
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
      parsed.hash = '';
      return load(parsed.href, 'application/vc+ld+json, application/ld+json, application/json', object);
    },
  };
}
