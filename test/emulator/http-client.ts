// runLaunch(): plays the browser over plain HTTP (fetch + a cookie jar), submitting the auto-post forms and
// following redirects, so launches can be tested without Chromium.
import { parseForm } from './html';

/** A minimal cookie jar: cookies by host name (ports share cookies, as in browsers), path and expiry ignored. */
export class CookieJar {
  private readonly hosts = new Map<string, Map<string, string>>();

  store(url: string, setCookies: string[]): void {
    const host = new URL(url).hostname;
    const jar = this.hosts.get(host) ?? new Map<string, string>();
    this.hosts.set(host, jar);
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now()));
      if (expired) jar.delete(name);
      else jar.set(name, pair.slice(eq + 1).trim());
    }
  }

  header(url: string): string | undefined {
    const jar = this.hosts.get(new URL(url).hostname);
    if (!jar?.size) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get(url: string, name: string): string | undefined {
    return this.hosts.get(new URL(url).hostname)?.get(name);
  }
}

export interface Step {
  method: string;
  url: string;
  status: number;
}

export interface BrowseResult {
  status: number;
  url: string;
  body: string;
  headers: Headers;
  jar: CookieJar;
  /** Every request made, in order. */
  steps: Step[];
}

export interface BrowseOptions {
  jar?: CookieJar;
  /** Safety limit on requests (default 20). */
  maxSteps?: number;
  /** Extra headers on every request (e.g. a User-Agent). */
  headers?: Record<string, string>;
}

const AUTO_SUBMIT = /\.submit\(\)/;

/**
 * Opens `url` like a browser: follows redirects and submits auto-submitting forms until a page that is not
 * one (the tool's final page, or an error). Works for `platform.launchUrl()` and registration pages.
 */
export async function browse(url: string, options: BrowseOptions = {}): Promise<BrowseResult> {
  const jar = options.jar ?? new CookieJar();
  const steps: Step[] = [];
  let request: { method: string; url: string; body?: URLSearchParams } = { method: 'GET', url };
  for (let i = 0; i < (options.maxSteps ?? 20); i += 1) {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8', ...(options.headers ?? {}) };
    const cookie = jar.header(request.url);
    if (cookie) headers.cookie = cookie;
    const init: RequestInit = { method: request.method, headers, redirect: 'manual' };
    if (request.body) init.body = request.body;
    const response = await fetch(request.url, init);
    jar.store(request.url, response.headers.getSetCookie());
    steps.push({ method: request.method, url: request.url, status: response.status });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url).toString();
      request = response.status === 307 || response.status === 308 ? { ...request, url: next } : { method: 'GET', url: next };
      await response.arrayBuffer();
      continue;
    }
    const body = await response.text();
    const form = AUTO_SUBMIT.test(body) ? parseForm(body) : undefined;
    if (!form) return { status: response.status, url: request.url, body, headers: response.headers, jar, steps };
    const action = new URL(form.action || request.url, request.url);
    const fields = new URLSearchParams(form.fields);
    if (form.method === 'POST') request = { method: 'POST', url: action.toString(), body: fields };
    else {
      for (const [k, v] of fields) action.searchParams.set(k, v);
      request = { method: 'GET', url: action.toString() };
    }
  }
  throw new Error(`browse: more than ${options.maxSteps ?? 20} steps from ${url}: ${steps.map((s) => `${s.method} ${s.url} ${s.status}`).join(' -> ')}`);
}

/** Runs a launch from `platform.launchUrl()` through login, auth and form_post; returns the tool's final answer. */
export const runLaunch = browse;
