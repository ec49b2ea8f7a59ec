import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
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
 * Signing happens outside any transaction, and the store is a short transaction that locks the award
 * and re-checks it. Why: signing reads keys and takes a status-list entry through the pool; doing
 * that while holding a pooled connection in a transaction can exhaust the pool under load (every
 * holder waiting for one more connection), and holding the status-list lock through signing would
 * serialise all issuing. The price of a lost race (two runs of the same award at once, rare since
 * the issue job id is the award id) is one discarded signature and an unused status index, never a
 * second stored credential: the locked re-check and the unique award_id decide.
 */
export async function issueCredential(deps: BadgesDeps, props: { awardId: string }): Promise<{ credential: CredentialRow; created: boolean }> {
  if (!isUuid(props.awardId)) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
  const db = badgesDb(deps.db);
  const award = await db.selectFrom('awards').selectAll().where('id', '=', props.awardId).executeTakeFirst();
  if (!award) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.', { details: { awardId: props.awardId } });
  if (award.credential_id) return { credential: await credentialById(db, award.credential_id), created: false };
  if (award.status === 'revoked') throw revoked(award.id);

  const facts = await loadFacts(db, deps, award);
  const signed = await deps.credentials.sign(deps.db, facts);
  return db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('awards').select(['credential_id', 'status']).where('id', '=', award.id).forUpdate().executeTakeFirstOrThrow();
    if (current.credential_id) return { credential: await credentialById(trx, current.credential_id), created: false };
    if (current.status === 'revoked') throw revoked(award.id);
    const credential = await trx
      .insertInto('credentials')
      .values({
        id: facts.credentialId,
        award_id: award.id,
        issuer_id: facts.issuerId,
        document: JSON.stringify(signed.document),
        jws: signed.jws,
        status_list_id: signed.statusListId,
        status_index: signed.statusIndex,
        key_ids: signed.keyIds,
        issued_at: facts.validFrom,
        valid_until: facts.validUntil,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx.updateTable('awards').set({ credential_id: credential.id, updated_at: facts.validFrom }).where('id', '=', award.id).execute();
    return { credential, created: true };
  });
}

function revoked(awardId: string): LaurelError {
  return new LaurelError('ERR_AWARD_REVOKED', 'A revoked award is not issued.', { details: { awardId } });
}

function credentialById(db: BadgesHandle, id: string): Promise<CredentialRow> {
  return db.selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function loadFacts(trx: BadgesHandle, deps: BadgesDeps, award: Selectable<BadgeTables['awards']>): Promise<AwardFacts> {
  // One round trip for everything the credential says about the achievement and the learner.
  const row = await trx
    .selectFrom('achievements')
    .innerJoin('courses', 'courses.id', 'achievements.course_id')
    .innerJoin('learners', (join) => join.on('learners.id', '=', award.learner_id))
    .leftJoin('platforms', 'platforms.id', 'learners.platform_id')
    .selectAll('achievements')
    .select(['courses.title as course_title', 'courses.context_id', 'learners.email', 'learners.name as learner_name', 'learners.lti_user_id', 'platforms.issuer as platform_issuer'])
    .where('achievements.id', '=', award.achievement_id)
    .executeTakeFirstOrThrow();
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
      learnerId: award.learner_id,
      email: row.email,
      name: row.learner_name,
      ltiUserId: row.lti_user_id,
      ltiContextId: row.context_id,
      platformIssuer: row.platform_issuer,
    },
    score: award.score === null ? null : Number(award.score),
    evidence: award.evidence,
    awardedAt: award.awarded_at,
    // Signed now, valid from now: a credential never claims validity before it existed.
    validFrom: now,
    validUntil: award.expires_at,
  };
}

export async function findCredential(deps: Pick<BadgesDeps, 'db'>, id: string): Promise<CredentialRow | undefined> {
  if (!isUuid(id)) return undefined;
  return badgesDb(deps.db).selectFrom('credentials').selectAll().where('id', '=', id).executeTakeFirst();
}
