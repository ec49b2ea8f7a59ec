import type { Platform } from '../courses';
import { AgsClient } from './ags';
import { platformHttp, type PlatformHttp } from './http';
import { toolKeys } from './provider';
import { PlatformTokens, type TokenCache } from './service-token';
import { PgLtiStore, type AnyKysely } from './storage';

export interface ServiceDeps {
  store: PgLtiStore;
  keyEncryptionKey: string;
  userAgent: string;
  fetch?: typeof fetch;
}

export interface ServiceClients {
  http: PlatformHttp;
  tokens: PlatformTokens;
  ags: AgsClient;
}

// Issued tokens are cached per platform for the life of the process (web and workers alike). Only the
// tokens are shared: each caller's store, key source and HTTP client are its own, so a caller whose
// store cannot read the tool key (a job's store used before `setup()`) fails alone and leaves
// nothing behind for later polls and roster syncs.
const tokenCaches = new Map<string, TokenCache>();

/** HTTP, service tokens and AGS for one platform. */
export function serviceClients(deps: ServiceDeps, platform: Platform): ServiceClients {
  const http = platformHttp({ userAgent: deps.userAgent, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const cacheKey = `${platform.id}:${platform.client_id}:${platform.token_endpoint}`;
  let cache = tokenCaches.get(cacheKey);
  if (!cache) {
    cache = new Map();
    tokenCaches.set(cacheKey, cache);
  }
  const tokens = new PlatformTokens({ keys: toolKeys(deps.store, deps.keyEncryptionKey), http, platform, cache });
  return { http, tokens, ags: new AgsClient({ http, tokens }) };
}

/**
 * Service clients for background work (jobs, the CLI, admin actions) that has no ltijs instance: the
 * LTI store is opened (`setup()`) before the tool key is read from it.
 */
export async function backgroundServiceClients(deps: { db: AnyKysely; keyEncryptionKey: string; userAgent: string; fetch?: typeof fetch }, platform: Platform): Promise<ServiceClients> {
  const store = new PgLtiStore(deps.db);
  await store.setup();
  return serviceClients({ store, keyEncryptionKey: deps.keyEncryptionKey, userAgent: deps.userAgent, ...(deps.fetch ? { fetch: deps.fetch } : {}) }, platform);
}

/** Forgets every cached service token (tests that restart "the process"). */
export function clearServiceTokenCaches(): void {
  tokenCaches.clear();
}

/** Laurel's User-Agent towards LMSs. */
export function userAgentOf(baseUrl: string): string {
  return `Laurel/0.1 (+${baseUrl})`;
}
