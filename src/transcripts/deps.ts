import type { AnyDb } from '../db';
import type { Config } from '../config';
import { ensureDefaultIssuer, getIssuer, issuerProfile, type IssuerProfile } from '../credentials';
import { LaurelError } from '../errors';
import type { TranscriptOptions } from './options';
import type { ClrSigner } from './signing';

/** What transcript use-cases need; built once per process (see `transcriptsDepsFor`). */
export interface TranscriptsDeps {
  db: AnyDb;
  config: Config;
  signer: ClrSigner;
  options: TranscriptOptions;
  /** Clock; injected so dates and expiry are testable. Default `() => new Date()`. */
  now?: () => Date;
}

export function clock(deps: Pick<TranscriptsDeps, 'now'>): Date {
  return deps.now ? deps.now() : new Date();
}

/** Issuer profiles by id, read once per use-case run. */
export function issuerProfiles(deps: Pick<TranscriptsDeps, 'db' | 'config'>): { get(issuerId: string): Promise<IssuerProfile>; defaultId(): Promise<string> } {
  const cache = new Map<string, Promise<IssuerProfile>>();
  let defaultId: Promise<string> | undefined;
  return {
    get(issuerId) {
      let profile = cache.get(issuerId);
      if (!profile) {
        profile = getIssuer(deps.db, issuerId).then((issuer) => {
          if (!issuer) throw new LaurelError('ERR_KEY_UNAVAILABLE', `No issuer ${issuerId}`);
          return issuerProfile(issuer, deps.config);
        });
        cache.set(issuerId, profile);
      }
      return profile;
    },
    defaultId: () => (defaultId ??= ensureDefaultIssuer(deps.db, deps.config).then((issuer) => issuer.id)),
  };
}
