import { lookup } from 'node:dns/promises';
import { LaurelError } from '../errors';
import { refusedAddress, refusedUrl, sameHost, type AddressPolicy } from './address';
import { guardedTransport, refusalOf, type LookupFunction } from './connect';

/**
 * The one outbound HTTP client: every URL that others give Laurel goes through it (Dynamic
 * Registration's openid_configuration and registration endpoint, platform JWKS, AGS/NRPS and their
 * pages, Canvas Data Services and its JWKS). It has the `fetch` signature, so it drops in wherever a
 * `fetch` is injected.
 */
export interface OutboundOptions extends AddressPolicy {
  /** http:// allowed (outside production only). */
  allowHttp: boolean;
  /** Largest response body read, bytes. Default 2 MiB. */
  maxBytes?: number;
  /** Whole-call time limit, ms (each redirect hop included). Default 15 s. */
  timeoutMs?: number;
  /** Redirects followed (each re-checked). Default 3. */
  maxRedirects?: number;
  /** Whether a redirect may leave the host it started on. Default false: service URLs stay on their host. */
  crossHostRedirects?: boolean;
  /** Resolves a host to its addresses (injected for tests). */
  resolve?: (host: string) => Promise<string[]>;
  /**
   * The DNS lookup the connection itself uses (injected for tests); its answers are checked against the
   * same policy at connect time, so a name that re-resolves after `resolve` (DNS rebinding) is refused.
   */
  lookup?: LookupFunction;
  /** The transport (injected for tests); default undici's fetch connecting through the checked lookup. */
  fetch?: typeof fetch;
}

const DEFAULTS = { maxBytes: 2 * 1024 * 1024, timeoutMs: 15_000, maxRedirects: 3 };

const refuse = (reason: string, url: string) =>
  // Our own message: the remote answer (or the internal address) is logged through `details`, never echoed as text.
  new LaurelError('ERR_UNAVAILABLE', 'Laurel refused to call this address.', { details: { reason: 'OUTBOUND_REFUSED' }, cause: new Error(`${reason}: ${url}`) });

async function resolveAll(host: string): Promise<string[]> {
  const bare = host.replace(/^\[|\]$/g, '');
  return (await lookup(bare, { all: true, verbatim: true })).map((a) => a.address);
}

export function createOutboundFetch(options: OutboundOptions): typeof fetch {
  const settings = { ...DEFAULTS, ...options };
  const transport = options.fetch ?? guardedTransport(settings, options.lookup);
  const resolve = options.resolve ?? resolveAll;

  async function check(url: URL): Promise<void> {
    const scheme = refusedUrl(url, settings);
    if (scheme) throw refuse(scheme, url.href);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = await resolve(host);
    } catch (cause) {
      throw new LaurelError('ERR_UNAVAILABLE', `Laurel could not find ${url.host}.`, { cause });
    }
    // Every address the name resolves to must be allowed, or a later connection could pick a refused one.
    for (const address of addresses) {
      const refused = refusedAddress(host, address, settings);
      if (refused) throw refuse(refused, url.href);
    }
  }

  const outbound = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const start = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const signal = init.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(settings.timeoutMs)]) : AbortSignal.timeout(settings.timeoutMs);
    let url = start;
    for (let hop = 0; ; hop++) {
      await check(url);
      let response: Response;
      try {
        response = await transport(url, { ...init, redirect: 'manual', signal });
      } catch (error) {
        const refusal = refusalOf(error);
        if (refusal) throw refuse(`${refusal.message} (at connect time)`, url.href);
        throw error;
      }
      if (response.status < 300 || response.status >= 400 || !response.headers.has('location')) return limited(response, settings.maxBytes, url.href);
      await response.body?.cancel().catch(() => undefined);
      if (init.redirect === 'error') throw refuse('redirect refused', url.href);
      if (hop >= settings.maxRedirects) throw refuse(`more than ${settings.maxRedirects} redirects`, start.href);
      const next = new URL(response.headers.get('location')!, url);
      if (!settings.crossHostRedirects && !sameHost(url, next)) throw refuse(`redirect to another host (${next.host})`, url.href);
      url = next;
    }
  };
  return outbound as typeof fetch;
}

/** The response with a body that errors once it exceeds `maxBytes` (and at once when Content-Length says so). */
function limited(response: Response, maxBytes: number, url: string): Response {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    void response.body?.cancel().catch(() => undefined);
    throw refuse(`answer of ${declared} bytes is over the ${maxBytes}-byte limit`, url);
  }
  if (!response.body) return response;
  let seen = 0;
  const body = response.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > maxBytes) controller.error(refuse(`answer over the ${maxBytes}-byte limit`, url));
      else controller.enqueue(chunk);
    },
  }));
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
