import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from '../config';
import {
  issuerIdForPlatform,
  allocateStatusRange,
  bakePng,
  bakeSvg,
  buildOpenBadgeCredential,
  credentialEngine,
  defaultBadgePng,
  defaultBadgeSvg,
  ensureDefaultIssuer,
  getIssuer,
  issuerForIssuing,
  issuerProfile,
  setStatus,
  statusEntryOf,
  type CredentialFacts,
  type StatusEntry,
  type StatusRange,
  type IssuerProfile,
} from '../credentials';
import { createCredentialSignPool, defaultIssueSignThreads, type CredentialSignPool } from '../credentials';
import { LaurelError } from '../errors';
import type { AnyDb } from '../db';
import { urls } from './deps';
import type { AwardFacts, CredentialPort } from './port';
import { formatPercent } from './web/present';

export interface CredentialPortOptions {
  /** The process-wide pool; signer and verifier read keys, issuers and status lists through it. */
  db: AnyDb;
  config: Config;
  /** Schema of Laurel's tables when DATABASE_URL does not name it (benchmarks): the signing threads need it. */
  schema?: string;
}

const PROFILE_CACHE_MS = 30_000;

/** The badges port on the real credentials engine (src/credentials): the process's one signer and verifier. */
export function createCredentialPort(options: CredentialPortOptions): CredentialPort {
  const { db, config } = options;
  const signThreads = defaultIssueSignThreads(config);
  let pool: CredentialSignPool | undefined;
  const signOnThreads = (issuerId: string, unsigned: Record<string, unknown>) =>
    (pool ??= createCredentialSignPool({ threads: signThreads, config, schema: options.schema })).sign(issuerId, unsigned);
  let defaultIssuer: Promise<string> | undefined;
  const engine = credentialEngine({ db, config });
  const signerOf = engine.signer;
  const verifierOf = engine.verifier;
  // Issuer profiles change rarely (an admin edit); caching them saves a round trip per credential.
  const profiles = new Map<string, { profile: Promise<IssuerProfile>; at: number }>();
  const statusEntries = createStatusAllocator((issuerId, count) => reserveStatusRange(db, issuerId, count), config);
  // An issuer's first credential fixes its DID (it follows BASE_URL until then): once seen fixed in
  // this process, later credentials skip that step.
  const issuing = new Map<string, Promise<unknown>>();
  const readyToIssue = (issuerId: string): Promise<unknown> => {
    let ready = issuing.get(issuerId);
    if (!ready) {
      ready = issuerForIssuing(db, issuerId, config).then(() => engine.refresh());
      ready.catch(() => issuing.delete(issuerId));
      issuing.set(issuerId, ready);
    }
    return ready;
  };
  const profileOf = async (issuerId: string): Promise<IssuerProfile> => {
    await readyToIssue(issuerId);
    const cached = profiles.get(issuerId);
    if (cached && Date.now() - cached.at < PROFILE_CACHE_MS) return cached.profile;
    const profile = getIssuer(db, issuerId).then((issuer) => {
      if (!issuer) throw new LaurelError('ERR_KEY_UNAVAILABLE', `No issuer ${issuerId}`);
      return issuerProfile(issuer, config);
    });
    profile.catch(() => profiles.delete(issuerId));
    profiles.set(issuerId, { profile, at: Date.now() });
    return profile;
  };

  return {
    defaultIssuerId() {
      defaultIssuer ??= ensureDefaultIssuer(db, config).then((issuer) => issuer.id).catch((error: unknown) => {
        defaultIssuer = undefined;
        throw error;
      });
      return defaultIssuer;
    },
    issuerIdFor(handle, props) {
      return issuerIdForPlatform(handle, props.platformId, () => this.defaultIssuerId(handle));
    },
    async issuerProfile(handle, issuerId) {
      const issuer = await getIssuer(handle, issuerId);
      if (!issuer) return undefined;
      const profile = issuerProfile(issuer, config);
      return { id: profile.id, name: profile.name, url: profile.url, image: profile.image?.id, description: profile.description, email: profile.email };
    },
    async sign(_db, facts) {
      const profile = await profileOf(facts.issuerId);
      const status = await statusEntries.take(facts.issuerId);
      const unsigned = buildOpenBadgeCredential(credentialFacts(config.BASE_URL, facts, profile, status));
      const entry = { statusListId: status.listId, statusIndex: status.statusListIndex };
      if (signThreads > 0) {
        // Off the event loop: this process may also be answering requests. The signed credential comes
        // back as JSON, which is what the store sends; the object is parsed only if someone reads it.
        const { documentJson, jws, keyIds } = await signOnThreads(facts.issuerId, unsigned);
        let document: Record<string, unknown> | undefined;
        return { get document() { return (document ??= JSON.parse(documentJson) as Record<string, unknown>); }, documentJson, jws, keyIds, ...entry };
      }
      const signed = await (await signerOf()).sign(facts.issuerId, unsigned);
      return { document: signed.credential, jws: signed.jws, keyIds: signed.keyIds, ...entry };
    },
    async setRevoked(trx, entry, revoked) {
      await setStatus(trx, { listId: entry.listId, index: entry.index, revoked });
    },
    async verify(_handle, credential) {
      const result = await (await verifierOf())(credential);
      return { verified: result.verified, verdict: result.verdict, summary: result.summary, checks: result.checks };
    },
    async close() {
      await pool?.close();
      pool = undefined;
    },
    bakePng,
    bakeSvg,
    defaultBadgeSvg: (art) => defaultBadgeSvg({ name: art.name, color: art.primaryColor }),
    defaultBadgePng: (art) => defaultBadgePng({ name: art.name, color: art.primaryColor }),
  };
}

/**
 * A range of status-list allocations in its own short transaction, committed without waiting for the
 * WAL flush. Why: every issue of an issuer takes the same status-list row lock, and waiting for fsync
 * while holding it caps issuing at one allocation per disk flush. Why it is safe: a credential that
 * uses an entry is stored later with a synchronous commit, which flushes the WAL up to and including
 * this allocation; if a crash loses the allocation, no stored credential refers to it.
 */
async function reserveStatusRange(db: AnyDb, issuerId: string, count: number): Promise<StatusRange> {
  return db.transaction().execute(async (trx) => {
    await sql`set local synchronous_commit = off`.execute(trx);
    return allocateStatusRange(trx, issuerId, count);
  });
}

/** Smallest and largest range a process reserves at once. */
const STATUS_RANGE_MIN = 4;
const STATUS_RANGE_MAX = 256;

/**
 * Hands out status-list entries from ranges reserved per issuer (one statement per range instead of
 * one per credential). The range size adapts: it doubles while ranges run out within a second (a
 * busy worker) and falls back to the minimum when idle, so a quiet process that stops leaves only a
 * few unused bits behind. Exported for tests.
 */
export function createStatusAllocator(reserve: (issuerId: string, count: number) => Promise<StatusRange>, config: Pick<Config, 'BASE_URL'>) {
  const current = new Map<string, { range: StatusRange; next: number; at: number }>();
  const pending = new Map<string, Promise<unknown>>();
  return {
    async take(issuerId: string): Promise<StatusEntry> {
      for (;;) {
        const held = current.get(issuerId);
        if (held && held.next < held.range.to) return statusEntryOf(config, held.range, held.next++);
        let reserving = pending.get(issuerId);
        if (!reserving) {
          const last = held ? held.range.to - held.range.from : 0;
          const size = held && Date.now() - held.at < 1000 ? Math.min(STATUS_RANGE_MAX, Math.max(STATUS_RANGE_MIN, last * 2)) : STATUS_RANGE_MIN;
          reserving = reserve(issuerId, size)
            .then((range) => void current.set(issuerId, { range, next: range.from, at: Date.now() }))
            .finally(() => pending.delete(issuerId));
          pending.set(issuerId, reserving);
        }
        await reserving;
      }
    },
  };
}

/** Maps what badges knows about an award onto the builder's facts (pure). */
export function credentialFacts(
  baseUrl: string,
  facts: AwardFacts,
  issuer: CredentialFacts['issuer'],
  status: CredentialFacts['status'],
): CredentialFacts {
  const a = facts.achievement;
  const achievementId = urls.achievement(baseUrl, a.id);
  const resultDescription = a.requiredPercent === null
    ? undefined
    : { id: `${achievementId}#result`, name: 'Score', resultType: 'Percent' as const, requiredValue: formatPercent(a.requiredPercent) };
  const r = facts.recipient;
  return {
    id: urls.credential(baseUrl, facts.credentialId),
    issuer,
    achievement: {
      id: achievementId,
      name: a.name,
      description: a.description,
      criteria: { narrative: a.criteriaNarrative },
      image: { id: a.imageUrl, caption: a.name },
      alignments: a.alignments.map(({ targetType: _t, ...alignment }) => alignment),
      resultDescription,
    },
    recipient: {
      // The builder identifies recipients by hashed email; an LTI learner whose platform withholds the
      // email gets a stable, non-deliverable address of their Laurel id (the LTI ids follow as well).
      email: r.email ?? `${r.learnerId}@learners.invalid`,
      // Per-credential salt: the same learner's hashes cannot be linked across credentials.
      salt: randomBytes(16).toString('hex'),
      lti: { userId: r.ltiUserId ?? undefined, contextId: r.ltiContextId ?? undefined, platformId: r.platformIssuer ?? undefined },
    },
    result: facts.score !== null && resultDescription ? { value: formatPercent(facts.score) } : undefined,
    evidence: facts.evidence.map((e) => ({ id: e.id, name: e.name, narrative: e.narrative ?? e.description })),
    validFrom: facts.validFrom,
    validUntil: facts.validUntil ?? undefined,
    awardedDate: facts.awardedAt,
    status,
  };
}
