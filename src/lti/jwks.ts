import type { JWK } from 'jose';
import { LaurelError } from '../errors';

export interface JwksCacheOptions {
  /** How long a fetched key set is trusted before it is fetched again. Default 1 hour. */
  maxAgeMs?: number;
  /**
   * After a fetch, an unknown `kid` triggers another fetch only once this much time has passed, so
   * forged tokens with random kids cannot make Laurel hammer an LMS. Default 5 seconds.
   */
  missCooldownMs?: number;
  /** Abort a key-set fetch after this long. Default 5 seconds. */
  timeoutMs?: number;
  /** Sent on every fetch. */
  userAgent: string;
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch;
}

interface Entry {
  keys: Map<string, JWK>;
  fetchedAt: number;
}

/**
 * Platform public keys by `kid`, fetched from each platform's JWKS URL, cached, and refetched when a
 * token names a kid the cache does not hold (platforms rotate keys: Canvas kids are dated).
 */
export class JwksCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<Entry>>();
  private readonly options: Required<JwksCacheOptions>;

  constructor(options: JwksCacheOptions) {
    this.options = { maxAgeMs: 3_600_000, missCooldownMs: 5_000, timeoutMs: 5_000, fetch: globalThis.fetch, ...options };
  }

  async getKey(jwksUrl: string, kid: string, now: number = Date.now()): Promise<JWK> {
    let entry = this.entries.get(jwksUrl);
    const stale = !entry || now - entry.fetchedAt > this.options.maxAgeMs;
    const miss = entry !== undefined && !entry.keys.has(kid) && now - entry.fetchedAt >= this.options.missCooldownMs;
    if (stale || miss) entry = await this.refresh(jwksUrl, now);
    const key = entry?.keys.get(kid);
    if (!key) {
      throw new LaurelError('ERR_LTI_LAUNCH_INVALID', `The platform's key set has no key with kid "${kid}".`, { details: { reason: 'UNKNOWN_KID' } });
    }
    return key;
  }

  private refresh(jwksUrl: string, now: number): Promise<Entry> {
    let pending = this.inflight.get(jwksUrl);
    if (!pending) {
      pending = this.fetchKeys(jwksUrl, now).finally(() => this.inflight.delete(jwksUrl));
      this.inflight.set(jwksUrl, pending);
    }
    return pending;
  }

  private async fetchKeys(jwksUrl: string, now: number): Promise<Entry> {
    let body: unknown;
    try {
      const response = await this.options.fetch(jwksUrl, {
        headers: { accept: 'application/json', 'user-agent': this.options.userAgent },
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch (cause) {
      throw new LaurelError('ERR_UNAVAILABLE', `The platform's key set could not be fetched from ${jwksUrl}.`, { cause, details: { reason: 'JWKS_UNREACHABLE' } });
    }
    const keys = new Map<string, JWK>();
    const list = (body as { keys?: unknown }).keys;
    if (Array.isArray(list)) {
      for (const key of list as JWK[]) if (key && typeof key.kid === 'string' && key.kty === 'RSA') keys.set(key.kid, key);
    }
    const entry = { keys, fetchedAt: now };
    this.entries.set(jwksUrl, entry);
    return entry;
  }
}
