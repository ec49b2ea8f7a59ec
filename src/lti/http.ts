import { LaurelError } from '../errors';
import { defaultOutboundFetch, sameHost } from '../outbound';

export interface PlatformHttpOptions {
  /** Sent on every call: Canvas refuses API calls without a User-Agent. */
  userAgent: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Retries after throttling (429, or 403/503 that says so). Default 4. */
  maxRetries?: number;
  /** Longest single wait honoured from `Retry-After`, ms. Default 60 000. */
  maxWaitMs?: number;
  /** Per-request timeout, ms. Default 20 000. */
  timeoutMs?: number;
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
}

export type PlatformHttp = (url: string, init?: RequestInit) => Promise<Response>;

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * HTTP to an LMS with a User-Agent on every call and backoff on throttling: Canvas answers 403
 * "Rate Limit Exceeded" (or 429) when a tool's request budget is spent, Moodle's web server may answer
 * 429/503 with `Retry-After`. Waits what `Retry-After` asks (capped) or 1 s, 2 s, 4 s... otherwise.
 */
export function platformHttp(options: PlatformHttpOptions): PlatformHttp {
  const doFetch = options.fetch ?? defaultOutboundFetch();
  const sleep = options.sleep ?? sleepReal;
  const maxRetries = options.maxRetries ?? 4;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 20_000;
  return async (url, init = {}) => {
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init.headers);
      headers.set('user-agent', options.userAgent);
      let response: Response;
      try {
        response = await doFetch(url, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        throw new LaurelError('ERR_UNAVAILABLE', `The LMS could not be reached at ${new URL(url).origin}.`, { cause });
      }
      if (attempt >= maxRetries || !(await isThrottled(response))) return response;
      const wait = Math.min(retryAfterMs(response.headers.get('retry-after')) ?? 1000 * 2 ** attempt, maxWaitMs);
      await response.body?.cancel().catch(() => undefined);
      await sleep(wait);
    }
  };
}

async function isThrottled(response: Response): Promise<boolean> {
  if (response.status === 429) return true;
  if (response.status !== 403 && response.status !== 503) return false;
  if (response.headers.has('retry-after')) return true;
  if (response.status === 503) return false;
  // A 403 is throttling only when it says so; otherwise it is a real refusal, not to be retried.
  const text = await response.clone().text().catch(() => '');
  return /rate limit exceeded/i.test(text);
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * Links from a `Link` header by rel. Tolerates what LMSs send: Moodle's AGS escapes `&` as `&amp;` and
 * quotes rel values with curly quotes (“next”).
 */
export function parseLinks(header: string | null): Record<string, string> {
  const links: Record<string, string> = {};
  if (!header) return links;
  const pattern = /<([^>]*)>\s*;\s*rel\s*=\s*["“”']?([^"“”';,]+)["“”']?/g;
  for (const match of header.matchAll(pattern)) {
    const url = match[1]!.replace(/&amp;/g, '&');
    for (const rel of match[2]!.trim().split(/\s+/)) links[rel] ??= url;
  }
  return links;
}

/**
 * The next page a `Link: rel="next"` names, which must stay on the host of the page that named it:
 * the service URL came signed in a launch, the `Link` header did not, and following it elsewhere would
 * send the platform's bearer token to whoever the header names.
 */
export function nextPage(current: string, link: string): string {
  const next = new URL(link, current);
  if (!sameHost(current, next)) {
    throw new LaurelError('ERR_UNAVAILABLE', 'The LMS named a next page on another host; Laurel does not follow it.', { cause: new Error(`Link to ${next.host} from ${new URL(current).host}`) });
  }
  return next.toString();
}

/** Reads a JSON body whatever content type it came with (Moodle's token endpoint says text/html). */
export async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text();
  if (!response.ok) {
    // The remote body goes to the log (as the cause), never into our answer: it is the LMS's text, not ours.
    throw new LaurelError('ERR_UNAVAILABLE', `The LMS refused to ${what} (HTTP ${response.status}).`, { details: { status: response.status }, cause: new Error(`LMS answer: ${text.slice(0, 300)}`) });
  }
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new LaurelError('ERR_UNAVAILABLE', `The LMS answered "${what}" with something that is not JSON.`, { cause });
  }
}
