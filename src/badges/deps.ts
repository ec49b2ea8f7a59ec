import type { Kysely, Transaction } from 'kysely';
import { asTables, type AnyDb } from '../db';
import type { Announce } from './announce';
import type { CredentialPort } from './port';
import type { BadgesDb } from './tables';

/** What badges use-cases need; built once per process (see `badgesDeps` in ./index.ts). */
export interface BadgesDeps {
  db: AnyDb;
  credentials: CredentialPort;
  /** Public origin (config BASE_URL) from which credential and achievement URLs derive. */
  baseUrl: string;
  /** Clock; injected so expiry and dates are testable. Default `() => new Date()`. */
  now?: () => Date;
  /** Publishes `credential.issued` / `award.revoked` to whoever reacts (reach). Absent: nobody listens. */
  announce?: Announce;
}

export type BadgesHandle = Kysely<BadgesDb>;
export type BadgesTrx = Transaction<BadgesDb>;

/** Widens any Kysely handle (pool or transaction) to see the badge, course and audit tables. */
export function badgesDb(db: AnyDb): BadgesHandle {
  return asTables<BadgesDb>(db);
}

export function clock(deps: Pick<BadgesDeps, 'now'>): Date {
  return deps.now ? deps.now() : new Date();
}

export const urls = {
  credential: (baseUrl: string, id: string) => `${baseUrl}/credentials/${id}`,
  achievement: (baseUrl: string, id: string) => `${baseUrl}/achievements/${id}`,
  achievementImage: (baseUrl: string, id: string) => `${baseUrl}/achievements/${id}/image`,
};
