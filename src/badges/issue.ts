import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
import { GroupCommit } from '../batching';
import { isUuid } from '../courses';
import { LaurelError } from '../errors';
import { achievementImageUrl, requiredPercentOf } from './achievements';
import { badgesDb, clock, type BadgesDeps, type BadgesHandle } from './deps';
import type { AwardFacts } from './port';
import type { BadgeTables } from './tables';

export type CredentialRow = Selectable<BadgeTables['credentials']>;

/**
 * Signs and stores the credential of an award. Idempotent: an award that already has a credential
 * gets it back (`created: false`).
 *
 * Signing happens outside any transaction, and the store is one statement that locks the award and
 * re-checks it. Why: signing reads keys and takes a status-list entry through the pool; doing
 * that while holding a pooled connection in a transaction can exhaust the pool under load (every
 * holder waiting for one more connection), and holding the status-list lock through signing would
 * serialise all issuing. The price of a lost race (two runs of the same award at once, rare since
 * the issue job id is the award id) is one discarded signature and an unused status index, never a
 * second stored credential: the locked re-check and the unique award_id decide.
 *
 * Under load, concurrent calls on the process pool share round trips (src/batching.ts): the awards
 * are read by one query and the credentials stored by one multi-row statement (one transaction, one
 * commit) per batch; each call still gets its own result or error.
 */
export async function issueCredential(deps: BadgesDeps, props: { awardId: string }): Promise<{ credential: CredentialRow; created: boolean; award: IssuedAward }> {
  if (!isUuid(props.awardId)) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
  const db = badgesDb(deps.db);
  const batch = batchesFor(db);
  const row = batch ? await batch.load.submit(props.awardId) : (await loadAwards(db, [props.awardId]))[0];
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.', { details: { awardId: props.awardId } });
  const award: IssuedAward = { courseId: row.course_id, learnerId: row.learner_id };
  if (row.credential_id) return { credential: await credentialById(db, row.credential_id), created: false, award };
  if (row.status === 'revoked') throw revoked(row.award_id);

  const facts = await factsOf(deps, row);
  const signed = await deps.credentials.sign(deps.db, facts);
  const toStore: CredentialToStore = {
    id: facts.credentialId, award_id: row.award_id, issuer_id: facts.issuerId, documentJson: signed.documentJson ?? JSON.stringify(signed.document), jws: signed.jws,
    status_list_id: signed.statusListId, status_index: signed.statusIndex, key_ids: signed.keyIds, issued_at: facts.validFrom, valid_until: facts.validUntil,
  };
  const stored = batch ? await batch.store.submit(toStore) : (await storeCredentials(db, [toStore]))[0];
  if (stored) return { credential: stored, created: true, award };
  // No row back: a concurrent run or a revocation won.
  const current = await db.selectFrom('awards').select(['credential_id', 'status']).where('id', '=', row.award_id).executeTakeFirstOrThrow();
  if (current.credential_id) return { credential: await credentialById(db, current.credential_id), created: false, award };
  throw revoked(row.award_id);
}

/** What the issue job needs of the award after issuing, read with it (no round trip of its own). */
export interface IssuedAward {
  courseId: string;
  learnerId: string;
}

interface CredentialToStore {
  id: string;
  award_id: string;
  issuer_id: string;
  /** The signed document as JSON: it goes into the statement as it is. */
  documentJson: string;
  jws: string;
  status_list_id: string | null;
  status_index: number | null;
  key_ids: string[];
  issued_at: Date;
  valid_until: Date | null;
}

/**
 * Stores credentials in one statement (one round trip, one commit): locks each award that is still
 * unsigned and not revoked (in id order, so concurrent batches cannot deadlock), inserts its
 * credential and links it. Returns, per input, the stored row or undefined when its award was
 * signed or revoked meanwhile. Two inputs for one award make the statement fail on the unique
 * award_id; the batcher then stores each alone, and the second finds the award signed.
 *
 * The statement is migrations/721's `badges_store_credentials` (planned once per database session,
 * not once per batch). The awards are found by primary key from an array of ids (not `in (select ...
 * from input)`, which the planner may answer with a scan of all awards: it did in the bench, once per
 * batch), and only what the database adds comes back (`created_at`): sending the signed documents back
 * and parsing them again cost more than the insert.
 */
async function storeCredentials(db: BadgesHandle, items: CredentialToStore[]): Promise<(CredentialRow | undefined)[]> {
  const awardIds = items.map((item) => item.award_id);
  // migrations/721: the statement lives in a PL/pgSQL function so each session plans it once.
  const { rows } = await sql<{ award_id: string; created_at: Date }>`select award_id, created_at from badges_store_credentials(${recordsetJson(items)}::jsonb, ${awardIds}::uuid[])`.execute(db);
  const created = new Map(rows.map((r) => [r.award_id, r.created_at]));
  return items.map((item) => {
    const createdAt = created.get(item.award_id);
    return createdAt === undefined ? undefined : storedRow(item, createdAt);
  });
}

/** The statement's JSON input: each item's columns with its document JSON spliced in, not re-serialised. */
function recordsetJson(items: readonly CredentialToStore[]): string {
  return `[${items.map(({ documentJson, ...columns }) => `${JSON.stringify(columns).slice(0, -1)},"document":${documentJson}}`).join(',')}]`;
}

/** The row as stored; its document is parsed from the JSON when first read (the issue job never reads it). */
function storedRow({ documentJson, ...columns }: CredentialToStore, createdAt: Date): CredentialRow {
  let document: Record<string, unknown> | undefined;
  return {
    ...columns,
    created_at: createdAt,
    get document() {
      return (document ??= JSON.parse(documentJson) as Record<string, unknown>);
    },
    set document(value) {
      document = value;
    },
  };
}

interface IssueBatches {
  load: GroupCommit<string, AwardWithFacts | undefined>;
  store: GroupCommit<CredentialToStore, CredentialRow | undefined>;
}

const batches = new WeakMap<BadgesHandle, IssueBatches>();

/** The batchers of a pool handle; none inside a transaction (its statements must stay on it, in order). */
function batchesFor(db: BadgesHandle): IssueBatches | undefined {
  if (db.isTransaction) return undefined;
  let found = batches.get(db);
  if (!found) {
    found = {
      // One batch in flight, and under load at most one every few ms: each statement is planned anew
      // (~0.3 ms for these), so batches of a handful spent much of PostgreSQL's time planning.
      load: new GroupCommit((ids) => loadAwards(db, ids), { maxBatch: 100, maxInFlight: 1, gatherMs: 5 }),
      store: new GroupCommit((items) => storeCredentials(db, items), { maxBatch: 100, maxInFlight: 1, gatherMs: 10 }),
    };
    batches.set(db, found);
  }
  return found;
}

function revoked(awardId: string): LaurelError {
  return new LaurelError('ERR_AWARD_REVOKED', 'A revoked award is not issued.', { details: { awardId } });
}

function credentialById(db: BadgesHandle, id: string): Promise<CredentialRow> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Awards with everything their credentials say about the achievement and the learner, in one query (in input order). */
async function loadAwards(db: BadgesHandle, awardIds: readonly string[]) {
  const rows = await db
    .selectFrom('awards')
    .innerJoin('achievements', 'achievements.id', 'awards.achievement_id')
    .innerJoin('courses', 'courses.id', 'achievements.course_id')
    .innerJoin('learners', 'learners.id', 'awards.learner_id')
    .leftJoin('platforms', 'platforms.id', 'learners.platform_id')
    .select([
      'awards.id as award_id', 'awards.status', 'awards.credential_id', 'awards.score', 'awards.evidence', 'awards.awarded_at', 'awards.expires_at', 'awards.learner_id', 'awards.course_id',
      // Not the image bytes: the credential names the image by URL.
      'achievements.id', 'achievements.issuer_id', 'achievements.name', 'achievements.description', 'achievements.criteria_narrative',
      'achievements.image_url', 'achievements.alignments', 'achievements.required_percent',
      'courses.title as course_title', 'courses.context_id',
      'learners.email', 'learners.name as learner_name', 'learners.lti_user_id', 'platforms.issuer as platform_issuer',
    ])
    .where('awards.id', 'in', [...new Set(awardIds)])
    .execute();
  const byId = new Map(rows.map((r) => [r.award_id, r]));
  return awardIds.map((id) => byId.get(id));
}

type AwardWithFacts = NonNullable<Awaited<ReturnType<typeof loadAwards>>[number]>;

async function factsOf(deps: BadgesDeps, row: AwardWithFacts): Promise<AwardFacts> {
  const now = clock(deps);
  return {
    credentialId: randomUUID(),
    issuerId: row.issuer_id ?? (await deps.credentials.defaultIssuerId(deps.db)),
    achievement: {
      id: row.id,
      name: row.name,
      description: row.description,
      criteriaNarrative: row.criteria_narrative,
      imageUrl: achievementImageUrl(deps.baseUrl, row),
      alignments: row.alignments,
      requiredPercent: requiredPercentOf(row),
      courseTitle: row.course_title,
    },
    recipient: {
      learnerId: row.learner_id,
      email: row.email,
      name: row.learner_name,
      ltiUserId: row.lti_user_id,
      ltiContextId: row.context_id,
      platformIssuer: row.platform_issuer,
    },
    score: row.score === null ? null : Number(row.score),
    evidence: row.evidence,
    awardedAt: row.awarded_at,
    // Signed now, valid from now: a credential never claims validity before it existed.
    validFrom: now,
    validUntil: row.expires_at,
  };
}

/** The newest credential an issuer signed (what `laurel doctor` checks the published URLs of). */
export async function latestCredentialOf(deps: Pick<BadgesDeps, 'db'>, issuerId: string): Promise<CredentialRow | undefined> {
  return badgesDb(deps.db).selectFrom('credentials').selectAll().where('issuer_id', '=', issuerId).orderBy('issued_at', 'desc').limit(1).executeTakeFirst();
}

export async function findCredential(deps: Pick<BadgesDeps, 'db'>, id: string): Promise<CredentialRow | undefined> {
  if (!isUuid(id)) return undefined;
  return badgesDb(deps.db).selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
}
