import type { Platform } from '../courses';
import { AgsClient } from './ags';
import { platformHttp, type PlatformHttp } from './http';
import { toolKeys } from './provider';
import { PlatformTokens } from './service-token';
import type { PgLtiStore } from './storage';

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

// Tokens are cached per platform for the life of the process (web and workers alike).
const tokenCaches = new Map<string, PlatformTokens>();

/** HTTP, service tokens and AGS for one platform. */
export function serviceClients(deps: ServiceDeps, platform: Platform): ServiceClients {
  const http = platformHttp({ userAgent: deps.userAgent, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const cacheKey = `${platform.id}:${platform.token_endpoint}`;
  let tokens = tokenCaches.get(cacheKey);
  if (!tokens) {
    tokens = new PlatformTokens({ keys: toolKeys(deps.store, deps.keyEncryptionKey), http, platform });
    tokenCaches.set(cacheKey, tokens);
  }
  return { http, tokens, ags: new AgsClient({ http, tokens }) };
}

/** Laurel's User-Agent towards LMSs. */
export function userAgentOf(baseUrl: string): string {
  return `Laurel/0.1 (+${baseUrl})`;
}
