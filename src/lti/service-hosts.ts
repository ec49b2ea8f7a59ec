import { sql, type Kysely } from 'kysely';
import type { Platform } from '../courses';
import { LaurelError } from '../errors';
import type { PlatformHttp } from './http';

/**
 * Where a platform's services may be called: the hosts it registered (issuer, auth, token and JWKS
 * endpoints) and the hosts its verified launches named in their service claims (Canvas serves AGS from
 * the institution's own host, which only launches name). A service URL or `Link` page on any other
 * host is refused: it did not come signed from the platform, and following it would send the
 * platform's bearer token (and Laurel's requests) wherever it points.
 */

/** The host of an http(s) URL as WHATWG URL gives it (lower case, default port dropped), or undefined. */
export function hostOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.host.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/** Hosts the platform registered (pure). */
export function registeredHosts(platform: Pick<Platform, 'issuer' | 'auth_endpoint' | 'token_endpoint' | 'jwks_url'>): string[] {
  return unique([platform.issuer, platform.auth_endpoint, platform.token_endpoint, platform.jwks_url].map(hostOf));
}

/** The service claims of a launch that name URLs Laurel will call. */
export interface ServiceClaims {
  endpoint?: { lineitems?: string | null; lineitem?: string | null } | null;
  namesRoles?: { context_memberships_url?: string | null } | null;
}

/** Hosts a verified launch names in its AGS and NRPS claims (pure). */
export function launchServiceHosts(claims: ServiceClaims): string[] {
  return unique([claims.endpoint?.lineitems, claims.endpoint?.lineitem, claims.namesRoles?.context_memberships_url].map(hostOf));
}

/** Remembers the hosts a verified launch of `platformId` named; only call it after verification. */
export async function recordServiceHosts<T>(db: Kysely<T>, platformId: string, hosts: readonly string[]): Promise<void> {
  if (hosts.length === 0) return;
  await sql`
    insert into platform_service_hosts (platform_id, host)
    select ${platformId}::uuid, h from unnest(${[...hosts]}::text[]) as h
    on conflict do nothing`.execute(db);
}

/** Every host `platform`'s services may be called on. */
export async function platformServiceHosts<T>(db: Kysely<T>, platform: Pick<Platform, 'id' | 'issuer' | 'auth_endpoint' | 'token_endpoint' | 'jwks_url'>): Promise<Set<string>> {
  const recorded = await sql<{ host: string }>`select host from platform_service_hosts where platform_id = ${platform.id}`.execute(db);
  return new Set([...registeredHosts(platform), ...recorded.rows.map((r) => r.host)]);
}

export interface HostRefusal {
  platformId: string;
  host: string;
  url: string;
}

/**
 * `http` limited to the hosts `allowed` returns. The set is read once and read again before a refusal
 * (a launch may have just named a new host); a refusal is our own message, with the URL as the cause.
 */
export function pinnedToPlatform(http: PlatformHttp, platformId: string, allowed: () => Promise<ReadonlySet<string>>, onRefused?: (refusal: HostRefusal) => void): PlatformHttp {
  let hosts: Promise<ReadonlySet<string>> | undefined;
  return async (url, init) => {
    const host = hostOf(url);
    hosts ??= allowed();
    let known = await hosts.catch((error: unknown) => {
      hosts = undefined;
      throw error;
    });
    if (host && !known.has(host)) {
      hosts = allowed();
      known = await hosts;
    }
    if (!host || !known.has(host)) {
      onRefused?.({ platformId, host: host ?? '(none)', url });
      throw new LaurelError('ERR_UNAVAILABLE', `Laurel calls only the hosts this platform registered or named in its launches, and ${host ?? 'this address'} is not one of them.`, {
        details: { reason: 'HOST_NOT_REGISTERED' },
        cause: new Error(`service URL on ${host ?? 'no http(s) host'} for platform ${platformId}: ${url}`),
      });
    }
    return http(url, init);
  };
}

function unique(hosts: (string | undefined)[]): string[] {
  return [...new Set(hosts.filter((h): h is string => Boolean(h)))];
}
