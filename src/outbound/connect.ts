import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { refusedAddress, type AddressPolicy } from './address';

/**
 * The DNS lookup that `net.connect` / `tls.connect` use, with the address policy applied to what the
 * socket will actually connect to. Checking a name before the call is not enough: a name can resolve
 * to a public address when checked and to a private one a moment later when the socket connects
 * (DNS rebinding). Here the answer that is connected to is the answer that was checked.
 */
export type LookupFunction = (hostname: string, options: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => void;

/** Marks a refusal made at connect time, so the client can answer with its own message. */
export class RefusedAtConnect extends Error {
  readonly code = 'ERR_OUTBOUND_REFUSED';
}

export function guardedLookup(policy: AddressPolicy, resolve: LookupFunction = dnsLookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    // Always ask for every address: every one must pass, whichever the socket then tries.
    resolve(hostname, { ...options, all: true }, (error, answer) => {
      if (error) return callback(error, options.all ? [] : '', 0);
      const addresses = (Array.isArray(answer) ? answer : [{ address: answer, family: answer.includes(':') ? 6 : 4 }]) as LookupAddress[];
      if (addresses.length === 0) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), options.all ? [] : '', 0);
      for (const { address } of addresses) {
        const refused = refusedAddress(hostname, address, policy);
        if (refused) return callback(new RefusedAtConnect(refused), options.all ? [] : '', 0);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}

/**
 * A `fetch` whose connections go through `guardedLookup` (undici's own fetch with an Agent whose
 * connector resolves with it). Node's built-in fetch takes no lookup; undici is the library behind it.
 */
export function guardedTransport(policy: AddressPolicy, resolve?: LookupFunction): typeof fetch {
  const dispatcher = new Agent({ connect: { lookup: guardedLookup(policy, resolve) } });
  return ((input: string | URL, init: RequestInit = {}) => undiciFetch(input, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1])) as unknown as typeof fetch;
}

/** The connect-time refusal behind an error undici threw (`fetch failed` wraps it as `cause`). */
export function refusalOf(error: unknown): RefusedAtConnect | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof RefusedAtConnect) return e;
  }
  return undefined;
}
