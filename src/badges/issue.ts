import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { isUuid } from '../courses';
import { LaurelError } from '../errors';
import { achievementImageUrl, requiredPercentOf } from './achievements';
import { badgesDb, clock, type BadgesDeps, type BadgesTrx } from './deps';
import type { AwardFacts } from './port';
import type { BadgeTables, BadgesDb } from './tables';

export type CredentialRow = Selectable<BadgeTables['credentials']>;

/**
 * Signs and stores the credential of an award. Idempotent: an award that already has a credential
 * gets it back (`created: false`). The award row is locked for the whole transaction, so concurrent
 * runs of the issue job (at-least-once delivery) sign once; status entry, signature and storage
 * commit or roll back together.
 */
export async function issueCredential(deps: BadgesDeps, props: { awardId: string }): Promise<{ credential: CredentialRow; created: boolean }> {
  if (!isUuid(props.awardId)) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
  return badgesDb(deps.db).transaction().execute(async (trx) => {
    const award = await trx.selectFrom('awards').selectAll().where('id', '=', props.awardId).forUpdate().executeTakeFirst();
    if (!award) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.', { details: { awardId: props.awardId } });
    if (award.credential_id) {
      const existing = await trx.selectFrom('credentials').selectAll().where('id', '=', award.credential_id).executeTakeFirstOrThrow();
      return { credential: existing, created: false };
    }
    if (award.status === 'revoked') throw new LaurelError('ERR_AWARD_REVOKED', 'A revoked award is not issued.', { details: { awardId: award.id } });

    const facts = await loadFacts(trx, deps, award);
    const signed = await deps.credentials.sign<BadgesDb>(trx, facts);
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

async function loadFacts(trx: BadgesTrx, deps: BadgesDeps, award: Selectable<BadgeTables['awards']>): Promise<AwardFacts> {
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
    issuerId: row.issuer_id ?? (await deps.credentials.defaultIssuerId<BadgesDb>(trx)),
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
