import ipaddr from 'ipaddr.js';

/**
 * Which addresses an outbound call may reach. Laurel fetches URLs that others give it (a registration's
 * openid_configuration, key sets, AGS/NRPS service URLs and their `Link` pages): without this check
 * anyone who can register an LMS could make Laurel call its own network, e.g. a cloud metadata
 * service at 169.254.169.254. Pure: no DNS, no clock.
 */
export interface AddressPolicy {
  /** Hosts the admin allowed to resolve to private addresses (self-hosted LMSs on the campus network). */
  allowedPrivateHosts: readonly string[];
  /** Loopback (127.0.0.0/8, ::1): allowed outside production, where the LMS often runs beside Laurel. */
  allowLoopback: boolean;
}

/** ipaddr.js ranges that are not the public internet. */
const NOT_PUBLIC = new Set(['private', 'linkLocal', 'loopback', 'uniqueLocal', 'unspecified', 'broadcast', 'reserved', 'carrierGradeNat', 'multicast']);

/** Why `address` (of `host`) may not be called, or undefined when it may. */
export function refusedAddress(host: string, address: string, policy: AddressPolicy): string | undefined {
  if (!ipaddr.isValid(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is the IPv4 address it maps.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (!NOT_PUBLIC.has(range)) return undefined;
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  if (policy.allowedPrivateHosts.includes(host.toLowerCase()) && range !== 'unspecified' && range !== 'multicast' && range !== 'broadcast') return undefined;
  return `${host} resolves to a ${range} address (${parsed.toString()}); allow the host with OUTBOUND_ALLOWED_PRIVATE_HOSTS if it is your own LMS`;
}

/** Why the URL may not be called at all (scheme), or undefined. */
export function refusedUrl(url: URL, options: { allowHttp: boolean }): string | undefined {
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && options.allowHttp) return undefined;
  return `${url.protocol.replace(':', '')} is not allowed${url.protocol === 'http:' ? ' in production: use https' : ''}`;
}

/** A `Link` (or redirect) target must stay on the host of the page that named it. */
export function sameHost(from: string | URL, to: string | URL): boolean {
  return new URL(from).host.toLowerCase() === new URL(to).host.toLowerCase();
}
