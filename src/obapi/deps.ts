import type { Config } from '../config';
import type { Db } from '../db';

/** What OB 3.0 API use-cases need. */
export interface ObApiDeps {
  db: Db;
  config: Config;
  /** Clock. Default `() => new Date()`. */
  now?: () => Date;
  limits?: Partial<ObApiLimits>;
}

export interface ObApiLimits {
  /** How long the learner has to decide on a consent page. Default 10 minutes. */
  authorizationRequestSeconds: number;
  /** Authorization code lifetime. Default 60 s (RFC 6749 recommends at most 10 minutes). */
  codeSeconds: number;
  /** Access token lifetime. Default 1 hour. */
  accessTokenSeconds: number;
  /** Refresh token lifetime (each refresh rotates it). Default 90 days. */
  refreshTokenSeconds: number;
  /** One-time sign-in link lifetime. Default 10 minutes. */
  signInLinkSeconds: number;
}

export const OBAPI_DEFAULTS: ObApiLimits = { authorizationRequestSeconds: 600, codeSeconds: 60, accessTokenSeconds: 3600, refreshTokenSeconds: 90 * 86400, signInLinkSeconds: 600 };

export function limitsOf(deps: Pick<ObApiDeps, 'limits'>): ObApiLimits {
  return { ...OBAPI_DEFAULTS, ...deps.limits };
}

export function clock(deps: Pick<ObApiDeps, 'now'>): Date {
  return deps.now ? deps.now() : new Date();
}

export function later(now: Date, seconds: number): Date {
  return new Date(now.getTime() + seconds * 1000);
}
