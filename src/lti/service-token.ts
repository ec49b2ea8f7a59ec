import { createPrivateKey, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Platform } from '../courses';
import { LaurelError } from '../errors';
import { readJson, type PlatformHttp } from './http';

/** Bearer tokens for LTI Advantage services. */
export interface AccessTokenSource {
  token(scopes: readonly string[]): Promise<string>;
}

/** The tool key pair ltijs made for a platform, and the audience of client assertions. */
export type ToolKeySource = (platform: Platform) => Promise<{ kid: string; privateKeyPem: string; audience: string }>;

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive().optional(),
  token_type: z.string().optional(),
  scope: z.string().optional(),
});

interface Cached {
  token: string;
  expiresAt: number;
}

/** Issued tokens by scope set; may be shared by several `PlatformTokens` of the same platform. */
export type TokenCache = Map<string, Cached>;

/**
 * Client-credentials tokens (LTI Security Framework, private_key_jwt) for one platform, cached until
 * shortly before they expire. The client assertion is signed with the key pair ltijs made for this
 * platform, whose public half the platform reads from Laurel's JWKS.
 */
export class PlatformTokens implements AccessTokenSource {
  private readonly cache: TokenCache;
  private readonly inflight = new Map<string, Promise<string>>();

  constructor(
    private readonly deps: { keys: ToolKeySource; http: PlatformHttp; platform: Platform; now?: () => number; cache?: TokenCache },
  ) {
    this.cache = deps.cache ?? new Map();
  }

  async token(scopes: readonly string[]): Promise<string> {
    const key = [...new Set(scopes)].sort().join(' ');
    const now = this.now();
    const cached = this.cache.get(key);
    if (cached && cached.expiresAt > now) return cached.token;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.fetchToken(key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private async fetchToken(scope: string): Promise<string> {
    const { platform } = this.deps;
    const { kid, privateKeyPem, audience } = await this.deps.keys(platform);
    const privateKey = createPrivateKey(privateKeyPem);
    const issuedAt = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuer(platform.client_id)
      .setSubject(platform.client_id)
      .setAudience(audience)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + 60)
      .sign(privateKey);
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope,
    });
    const response = await this.deps.http(platform.token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: body.toString(),
    });
    const parsed = tokenResponseSchema.safeParse(await readJson(response, 'issue a service token'));
    if (!parsed.success) throw new LaurelError('ERR_UNAVAILABLE', `${platform.name}'s token endpoint answered without an access_token.`);
    // Renew a minute early so a token never expires between the check and its use.
    const lifetimeMs = (parsed.data.expires_in ?? 3600) * 1000;
    this.cache.set(scope, { token: parsed.data.access_token, expiresAt: this.now() + Math.max(lifetimeMs - 60_000, lifetimeMs / 2) });
    return parsed.data.access_token;
  }
}
