import type { Platform } from '../courses';
import type { Logger } from '../log';
import { AgsClient } from './ags';
import { platformHttp, type PlatformHttp } from './http';
import { toolKeys } from './provider';
import { pinnedToPlatform, platformServiceHosts } from './service-hosts';
import { PlatformTokens, type TokenCache } from './service-token';
import { PgLtiStore, type AnyKysely } from './storage';

export interface ServiceDeps {
  store: PgLtiStore;
  keyEncryptionKey: string;
  userAgent: string;
  fetch?: typeof fetch;
  /** Where refused service URLs are logged (besides the refusal's cause). */
  logger?: Pick<Logger, 'warn'>;
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

/**
 * HTTP, service tokens and AGS for one platform. Every call (token, AGS, NRPS and their `Link` pages)
 * stays on the hosts the platform registered or its verified launches named (service-hosts.ts).
 */
export function serviceClients(deps: ServiceDeps, platform: Platform): ServiceClients {
  const http = pinnedToPlatform(
    platformHttp({ userAgent: deps.userAgent, ...(deps.fetch ? { fetch: deps.fetch } : {}) }),
    platform.id,
    () => platformServiceHosts(deps.store.db, platform),
    deps.logger ? (refusal) => deps.logger!.warn(refusal, 'service URL refused: the platform never registered or launched from this host') : undefined,
  );
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
export async function backgroundServiceClients(deps: { db: AnyKysely; keyEncryptionKey: string; userAgent: string; fetch?: typeof fetch; logger?: Pick<Logger, 'warn'> }, platform: Platform): Promise<ServiceClients> {
  const store = new PgLtiStore(deps.db);
  await store.setup();
  return serviceClients({ store, keyEncryptionKey: deps.keyEncryptionKey, userAgent: deps.userAgent, ...(deps.fetch ? { fetch: deps.fetch } : {}), ...(deps.logger ? { logger: deps.logger } : {}) }, platform);
}

/** Forgets every cached service token (tests that restart "the process"). */
export function clearServiceTokenCaches(): void {
  tokenCaches.clear();
}

/** Laurel's User-Agent towards LMSs. */
export function userAgentOf(baseUrl: string): string {
  return `Laurel/0.1 (+${baseUrl})`;
}
