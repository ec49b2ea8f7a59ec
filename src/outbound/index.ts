import type { Config } from '../config';
import { createOutboundFetch, type OutboundOptions } from './client';

export { createOutboundFetch, type OutboundOptions } from './client';
export { refusedAddress, refusedUrl, sameHost, type AddressPolicy } from './address';
export { guardedLookup, guardedTransport, type LookupFunction } from './connect';

/** The outbound policy a deployment's configuration asks for. */
export function outboundOptionsOf(config: Pick<Config, 'NODE_ENV' | 'OUTBOUND_ALLOWED_PRIVATE_HOSTS'>): OutboundOptions {
  const production = config.NODE_ENV === 'production';
  return { allowHttp: !production, allowLoopback: !production, allowedPrivateHosts: config.OUTBOUND_ALLOWED_PRIVATE_HOSTS };
}

/** The outbound client for this deployment. */
export function outboundFetch(config: Pick<Config, 'NODE_ENV' | 'OUTBOUND_ALLOWED_PRIVATE_HOSTS'>): typeof fetch {
  return createOutboundFetch(outboundOptionsOf(config));
}

let processDefault: typeof fetch | undefined;

/**
 * The outbound client for code that has no configuration at hand (service clients built inside jobs,
 * Canvas's Live Events key set): the policy of this process's environment (NODE_ENV,
 * OUTBOUND_ALLOWED_PRIVATE_HOSTS), made once.
 */
export function defaultOutboundFetch(): typeof fetch {
  processDefault ??= createOutboundFetch({
    allowHttp: process.env.NODE_ENV !== 'production',
    allowLoopback: process.env.NODE_ENV !== 'production',
    allowedPrivateHosts: (process.env.OUTBOUND_ALLOWED_PRIVATE_HOSTS ?? '').split(/[\s,]+/).map((h) => h.trim().toLowerCase()).filter(Boolean),
  });
  return processDefault;
}
