import type { Kysely, Transaction } from 'kysely';
import { asTables, type AnyDb } from '../db';
import { carry, type CarryDeps, type Recorded } from '../domain-events';
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
  /**
   * Carries the domain events badges records in its transactions (`award.made`, `award.revoked`,
   * `award.expired`, `credential.issued`) to the queue right after the commit. Absent (tests that
   * build deps by hand): the events are still recorded, and the relay carries them.
   */
  events?: CarryDeps;
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

/** After the owner's commit: queue what it recorded now (the relay carries whatever this misses). */
export async function carryAfterCommit(deps: Pick<BadgesDeps, 'events'>, recorded: Recorded): Promise<void> {
  if (deps.events) await carry(deps.events, recorded);
}
