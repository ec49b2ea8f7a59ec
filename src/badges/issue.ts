import { randomUUID } from 'node:crypto';
import { sql, type Selectable } from 'kysely';
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
 */
export async function issueCredential(deps: BadgesDeps, props: { awardId: string }): Promise<{ credential: CredentialRow; created: boolean }> {
  if (!isUuid(props.awardId)) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
  const db = badgesDb(deps.db);
  const row = await loadAward(db, props.awardId);
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.', { details: { awardId: props.awardId } });
  if (row.credential_id) return { credential: await credentialById(db, row.credential_id), created: false };
  if (row.status === 'revoked') throw revoked(row.award_id);

  const facts = await factsOf(deps, row);
  const signed = await deps.credentials.sign(deps.db, facts);
  // One statement (one round trip, one commit): lock the award if it is still unsigned and not
  // revoked, store the credential, link it. No row back means a concurrent run or a revocation won.
  const { rows } = await sql<CredentialRow>`
    with locked as (
      select id from awards where id = ${row.award_id} and credential_id is null and status <> 'revoked' for update
    ), stored as (
      insert into credentials (id, award_id, issuer_id, document, jws, status_list_id, status_index, key_ids, issued_at, valid_until)
      select ${facts.credentialId}::uuid, locked.id, ${facts.issuerId}::text, ${JSON.stringify(signed.document)}::jsonb, ${signed.jws}::text,
        ${signed.statusListId}::text, ${signed.statusIndex}::integer, ${signed.keyIds}::text[], ${facts.validFrom}::timestamptz, ${facts.validUntil}::timestamptz
      from locked
      returning *
    ), linked as (
      update awards set credential_id = stored.id, updated_at = stored.issued_at from stored where awards.id = stored.award_id
    )
    select * from stored`.execute(db);
  if (rows[0]) return { credential: rows[0], created: true };
  const current = await db.selectFrom('awards').select(['credential_id', 'status']).where('id', '=', row.award_id).executeTakeFirstOrThrow();
  if (current.credential_id) return { credential: await credentialById(db, current.credential_id), created: false };
  throw revoked(row.award_id);
}

function revoked(awardId: string): LaurelError {
  return new LaurelError('ERR_AWARD_REVOKED', 'A revoked award is not issued.', { details: { awardId } });
}

function credentialById(db: BadgesHandle, id: string): Promise<CredentialRow> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The award with everything its credential says about the achievement and the learner, in one query. */
function loadAward(db: BadgesHandle, awardId: string) {
  return db
    .selectFrom('awards')
    .innerJoin('achievements', 'achievements.id', 'awards.achievement_id')
    .innerJoin('courses', 'courses.id', 'achievements.course_id')
    .innerJoin('learners', 'learners.id', 'awards.learner_id')
    .leftJoin('platforms', 'platforms.id', 'learners.platform_id')
    .select([
      'awards.id as award_id', 'awards.status', 'awards.credential_id', 'awards.score', 'awards.evidence', 'awards.awarded_at', 'awards.expires_at', 'awards.learner_id',
      // Not the image bytes: the credential names the image by URL.
      'achievements.id', 'achievements.issuer_id', 'achievements.name', 'achievements.description', 'achievements.criteria_narrative',
      'achievements.image_url', 'achievements.alignments', 'achievements.required_percent',
      'courses.title as course_title', 'courses.context_id',
      'learners.email', 'learners.name as learner_name', 'learners.lti_user_id', 'platforms.issuer as platform_issuer',
    ])
    .where('awards.id', '=', awardId)
    .executeTakeFirst();
}

type AwardWithFacts = NonNullable<Awaited<ReturnType<typeof loadAward>>>;

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
