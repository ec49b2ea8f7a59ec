import type { Config } from '../config';
import type { AppContext } from '../context';
import type { Db } from '../db';
import { credentialEngineFor, type CredentialSigner } from '../credentials';

/** What wallet use-cases need; built once per process context by `walletsDepsFor`. */
export interface WalletsDeps {
  db: Db;
  config: Config;
  /** The credentials module's signer (one per process); holder copies are signed by it, never by a second signer. */
  signer(): Promise<CredentialSigner>;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
  /** Lifetimes; defaults in `WALLET_DEFAULTS`. */
  limits?: Partial<WalletLimits>;
}

export interface WalletLimits {
  /** How long an offer (and its pre-authorized code) can be redeemed. Default 10 minutes. */
  offerSeconds: number;
  /** Lifetime of the access token the code turns into. Default 5 minutes. */
  accessTokenSeconds: number;
  /** Lifetime of a c_nonce. Default 5 minutes. */
  nonceSeconds: number;
  /** Wrong transaction codes an offer survives. Default 5 (then it is spent). */
  txCodeAttempts: number;
}

export const WALLET_DEFAULTS: WalletLimits = { offerSeconds: 600, accessTokenSeconds: 300, nonceSeconds: 300, txCodeAttempts: 5 };

export function limitsOf(deps: Pick<WalletsDeps, 'limits'>): WalletLimits {
  return { ...WALLET_DEFAULTS, ...deps.limits };
}

export function clock(deps: Pick<WalletsDeps, 'now'>): Date {
  return deps.now ? deps.now() : new Date();
}

const cache = new WeakMap<AppContext, WalletsDeps>();

export function walletsDepsFor(ctx: AppContext): WalletsDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    const db = ctx.database.db;
    deps = { db, config: ctx.config, signer: credentialEngineFor(ctx).signer };
    cache.set(ctx, deps);
  }
  return deps;
}
