import { sql, type Kysely, type Selectable } from 'kysely';
import { isUuid } from '../courses';
import { audit, auditInsertFrom } from '../audit';
import { record, type Recorded } from '../domain-events';
import { LaurelError } from '../errors';
import { badgesDb, carryAfterCommit, clock, type BadgesDeps, type BadgesHandle, type BadgesTrx } from './deps';
import type { AwardSource, BadgeTables, EvidenceValue, BadgesDb } from './tables';
import type { AnyDb } from '../db';

export type AwardRow = Selectable<BadgeTables['awards']>;

export interface AwardBadgeProps {
  achievementId: string;
  learnerId: string;
  /** The learner's score in percent, when an assessment led to the award. */
  score?: number | null;
  evidence?: EvidenceValue[];
  visibility?: 'public' | 'private';
  /** Who awarded: a token name, an instructor id, or `rules`. */
  actor: string;
  source: AwardSource;
  /**
   * A rule evaluation of every published rule of the course, with this award held, made it (see
   * `award.made`): the badges-from-badges reaction is not needed. Only the rules evaluator says so.
   */
  badgeRulesEvaluated?: boolean;
}

/**
 * Awards an achievement to a learner at most once while active. The partial unique index
 * `awards_one_active` decides under concurrency: the insert does ON CONFLICT DO NOTHING and a losing
 * caller reads the winner back (`created: false`). Never check-then-insert.
 */
export async function awardBadge(deps: BadgesDeps, props: AwardBadgeProps): Promise<{ award: AwardRow; created: boolean }> {
  if (!isUuid(props.achievementId) || !isUuid(props.learnerId)) throw new LaurelError('ERR_NOT_FOUND', 'No achievement or learner has this id.');
  const now = clock(deps);
  const { result, recorded } = await insertAward(deps, props, now).catch((error: unknown) => {
    // The learner id is checked by its foreign key, in the same statement as the insert.
    if ((error as { code?: string }).code === '23503') throw new LaurelError('ERR_NOT_FOUND', 'No learner has this id.', { cause: error, details: { learnerId: props.learnerId } });
    throw error;
  });
  await carryAfterCommit(deps, recorded);
  return result;
}

/** `award.made` for awards this transaction created, recorded with them; `evaluated` says which a full rule evaluation made. */
function awardsMade(trx: BadgesHandle, awards: readonly AwardRow[], evaluated: (award: AwardRow) => boolean): Promise<Recorded> {
  return record(trx, awards.map((a) => ({
    name: 'award.made' as const,
    payload: { awardId: a.id, achievementId: a.achievement_id, courseId: a.course_id, learnerId: a.learner_id, ...(evaluated(a) ? { badgeRulesEvaluated: true as const } : {}) },
  })));
}

function insertAward(deps: BadgesDeps, props: AwardBadgeProps, now: Date): Promise<{ result: { award: AwardRow; created: boolean }; recorded: Recorded }> {
  return badgesDb(deps.db).transaction().execute(async (trx) => {
    // Insert-select: the achievement's course, publication and validity period are read in the same statement.
    const inserted = await trx
      .insertInto('awards')
      .columns(['achievement_id', 'learner_id', 'course_id', 'score', 'evidence', 'source', 'awarded_by', 'awarded_at', 'expires_at', 'visibility'])
      .expression((eb) =>
        eb
          .selectFrom('achievements')
          .select([
            'achievements.id',
            sql<string>`${props.learnerId}::uuid`.as('learner_id'),
            'achievements.course_id',
            sql<string | null>`${props.score ?? null}::numeric`.as('score'),
            sql<string>`${JSON.stringify(props.evidence ?? [])}::jsonb`.as('evidence'),
            sql<string>`${props.source}`.as('source'),
            sql<string>`${props.actor}`.as('awarded_by'),
            sql<Date>`${now}::timestamptz`.as('awarded_at'),
            sql<Date | null>`case when achievements.valid_for_days is null then null else ${now}::timestamptz + make_interval(days => achievements.valid_for_days) end`.as('expires_at'),
            sql<string>`${props.visibility ?? 'public'}`.as('visibility'),
          ])
          .where('achievements.id', '=', props.achievementId)
          .where('achievements.status', '=', 'published'),
      )
      .onConflict((oc) => oc.columns(['achievement_id', 'learner_id']).where('status', '<>', 'revoked').doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      await audit<BadgesDb>(trx, { actor: props.actor, action: 'award.create', subjectType: 'award', subjectId: inserted.id, courseId: inserted.course_id, details: { achievementId: inserted.achievement_id, learnerId: inserted.learner_id, source: props.source } });
      return { result: { award: inserted, created: true }, recorded: await awardsMade(trx, [inserted], () => props.badgeRulesEvaluated === true) };
    }
    const existing = await activeAward(trx, props.achievementId, props.learnerId);
    if (existing) return { result: { award: existing, created: false }, recorded: { rows: [] } };
    return explainRefusal(trx, props);
  });
}

/**
 * `awardBadge` for many (achievement, learner) pairs of rule evaluations, in one transaction: one
 * multi-row insert against the same `awards_one_active` constraint (ON CONFLICT DO NOTHING, rows in
 * key order so concurrent batches cannot deadlock), one audit insert, one read-back of the pairs
 * someone else already holds. Per input, in order: the award and whether this call created it, or
 * undefined when neither was the case (achievement not published, or gone): `awardBadge` explains those.
 */
export async function awardBadges(deps: BadgesDeps, items: readonly AwardBadgeProps[]): Promise<({ award: AwardRow; created: boolean } | undefined)[]> {
  if (items.length === 0) return [];
  if (items.some((i) => !isUuid(i.achievementId) || !isUuid(i.learnerId))) throw new LaurelError('ERR_NOT_FOUND', 'No achievement or learner has this id.');
  const now = clock(deps);
  const key = (achievementId: string, learnerId: string) => `${achievementId}/${learnerId}`;
  const input = [...new Map(items.map((i) => [key(i.achievementId, i.learnerId), i])).values()]
    .sort((a, b) => (key(a.achievementId, a.learnerId) < key(b.achievementId, b.learnerId) ? -1 : 1))
    .map((i, n) => ({ n, achievement_id: i.achievementId, learner_id: i.learnerId, score: i.score ?? null, evidence: i.evidence ?? [], source: i.source, awarded_by: i.actor, visibility: i.visibility ?? 'public' }));
  const rows = await badgesDb(deps.db).transaction().execute(async (trx) => {
    const { rows: inserted } = await sql<AwardRow>`
      with inserted as (
        insert into awards (achievement_id, learner_id, course_id, score, evidence, source, awarded_by, awarded_at, expires_at, visibility)
        select a.id, x.learner_id, a.course_id, x.score, x.evidence, x.source, x.awarded_by, ${now}::timestamptz,
               case when a.valid_for_days is null then null else ${now}::timestamptz + make_interval(days => a.valid_for_days) end, x.visibility
        from jsonb_to_recordset(${JSON.stringify(input)}::jsonb) as x(n integer, achievement_id uuid, learner_id uuid, score numeric, evidence jsonb, source text, awarded_by text, visibility text)
        join achievements a on a.id = x.achievement_id and a.status = 'published'
        order by x.n
        on conflict (achievement_id, learner_id) where status <> 'revoked' do nothing
        returning *
      ), audited as (
        -- The audit rows in the same statement (one round trip less per batch), through audit's insert.
        ${auditInsertFrom(sql`select awarded_by as actor, 'award.create' as action, 'award' as subject_type, id::text as subject_id, null::text as platform_id, course_id,
          jsonb_build_object('achievementId', achievement_id, 'learnerId', learner_id, 'source', source) as details from inserted`)}
      )
      select * from inserted`.execute(trx);
    const evaluated = new Set(items.filter((i) => i.badgeRulesEvaluated).map((i) => key(i.achievementId, i.learnerId)));
    const recorded = await awardsMade(trx, inserted, (a) => evaluated.has(key(a.achievement_id, a.learner_id)));
    const created = new Set(inserted.map((a) => key(a.achievement_id, a.learner_id)));
    const others = input.filter((i) => !created.has(key(i.achievement_id, i.learner_id)));
    const { rows: existing } = others.length
      ? await sql<AwardRow>`select * from awards where status <> 'revoked' and (achievement_id, learner_id) in (
          select * from unnest(${others.map((o) => o.achievement_id)}::uuid[], ${others.map((o) => o.learner_id)}::uuid[]))`.execute(trx)
      : { rows: [] as AwardRow[] };
    return { inserted, existing, recorded };
  });
  await carryAfterCommit(deps, rows.recorded);
  const found = new Map<string, { award: AwardRow; created: boolean }>();
  for (const award of rows.existing) found.set(key(award.achievement_id, award.learner_id), { award, created: false });
  for (const award of rows.inserted) found.set(key(award.achievement_id, award.learner_id), { award, created: true });
  const seen = new Set<string>();
  return items.map((i) => {
    const k = key(i.achievementId, i.learnerId);
    const result = found.get(k);
    // A pair asked twice is created once: the second asker sees it as already held.
    if (result && seen.has(k)) return { award: result.award, created: false };
    seen.add(k);
    return result;
  });
}

function activeAward(db: BadgesHandle, achievementId: string, learnerId: string): Promise<AwardRow | undefined> {
  return db.selectFrom('awards').selectAll().where('achievement_id', '=', achievementId).where('learner_id', '=', learnerId).where('status', '<>', 'revoked').executeTakeFirst();
}

async function explainRefusal(db: BadgesHandle, props: AwardBadgeProps): Promise<never> {
  const achievement = await db.selectFrom('achievements').select(['status']).where('id', '=', props.achievementId).executeTakeFirst();
  if (!achievement) throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.', { details: { achievementId: props.achievementId } });
  if (achievement.status !== 'published') {
    throw new LaurelError('ERR_ACHIEVEMENT_NOT_PUBLISHED', undefined, { details: { achievementId: props.achievementId, status: achievement.status } });
  }
  throw new LaurelError('ERR_INTERNAL', 'The award was neither created nor found.');
}

/**
 * Work other modules must do inside the revocation's transaction (e.g. src/wallets revoking the
 * holder-bound copies of the award's credential), so every copy is revoked in the same commit. A port,
 * not a domain event: registered by the composition root (src/app/subscribers.ts) in every role.
 */
export type AwardRevokedHook = (trx: BadgesTrx, award: { id: string; credentialId: string | null }) => Promise<void>;
const revokedHooks: AwardRevokedHook[] = [];

/** Registers a hook run by `revokeAward` in its transaction (idempotent per function). */
export function onAwardRevoked(hook: AwardRevokedHook): void {
  if (!revokedHooks.includes(hook)) revokedHooks.push(hook);
}

export interface RevokeAwardProps {
  awardId: string;
  reason: string;
  actor: string;
}

/**
 * Revokes an award: records reason and actor, sets the credential's status-list bit in the same
 * transaction (so a verifier sees the revocation as soon as it commits) and writes the audit log.
 */
export async function revokeAward(deps: BadgesDeps, props: RevokeAwardProps): Promise<AwardRow> {
  const { award, recorded } = await revokeInTransaction(deps, props);
  // `award.revoked` was recorded with the revocation: carried now, or by the relay if this fails.
  await carryAfterCommit(deps, recorded);
  return award;
}

function revokeInTransaction(deps: BadgesDeps, props: RevokeAwardProps): Promise<{ award: AwardRow; recorded: Recorded }> {
  const now = clock(deps);
  return badgesDb(deps.db).transaction().execute(async (trx) => {
    const current = isUuid(props.awardId) ? await trx.selectFrom('awards').selectAll().where('id', '=', props.awardId).forUpdate().executeTakeFirst() : undefined;
    if (!current) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
    if (current.status === 'revoked') throw new LaurelError('ERR_AWARD_REVOKED', 'This award is already revoked.', { details: { awardId: current.id } });
    const award = await trx
      .updateTable('awards')
      .set({ status: 'revoked', revoked_at: now, revoked_reason: props.reason, revoked_by: props.actor, updated_at: now })
      .where('id', '=', current.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    if (award.credential_id) {
      const credential = await trx.selectFrom('credentials').select(['status_list_id', 'status_index']).where('id', '=', award.credential_id).executeTakeFirstOrThrow();
      if (credential.status_list_id !== null && credential.status_index !== null) {
        await deps.credentials.setRevoked<BadgesDb>(trx, { listId: credential.status_list_id, index: credential.status_index }, true);
      }
    }
    for (const hook of revokedHooks) await hook(trx, { id: award.id, credentialId: award.credential_id });
    await audit<BadgesDb>(trx, { actor: props.actor, action: 'award.revoke', subjectType: 'award', subjectId: award.id, courseId: award.course_id, details: { reason: props.reason, credentialId: award.credential_id } });
    const recorded = await record(trx, [{ name: 'award.revoked', payload: { awardId: award.id, courseId: award.course_id, learnerId: award.learner_id } }]);
    return { award, recorded };
  });
}

/**
 * Marks issued awards whose validity period has ended as expired; returns how many. Idempotent.
 * Each newly expired award is published as `award.expired` (its gradebook score drops), recorded in
 * the same transaction as the expiry.
 */
export async function expireAwards(deps: Pick<BadgesDeps, 'db' | 'now' | 'events'>): Promise<number> {
  const now = clock(deps);
  const { rows, recorded } = await badgesDb(deps.db).transaction().execute(async (trx) => {
    const rows = await trx
      .updateTable('awards')
      .set({ status: 'expired', updated_at: now })
      .where('status', '=', 'issued')
      .where('expires_at', '<=', now)
      .returning(['id', 'course_id', 'learner_id'])
      .execute();
    const recorded = await record(trx, rows.map((row) => ({ name: 'award.expired' as const, payload: { awardId: row.id, courseId: row.course_id, learnerId: row.learner_id } })));
    return { rows, recorded };
  });
  await carryAfterCommit(deps, recorded);
  return rows.length;
}

/** Expired is also computed on read, so a page never shows a lapsed award as valid between sweeps. */
export function effectiveStatus(award: Pick<AwardRow, 'status' | 'expires_at'>, now: Date): AwardRow['status'] {
  if (award.status === 'issued' && award.expires_at && award.expires_at.getTime() <= now.getTime()) return 'expired';
  return award.status;
}

export async function getAward(deps: Pick<BadgesDeps, 'db'>, id: string): Promise<AwardRow> {
  const row = isUuid(id) ? await badgesDb(deps.db).selectFrom('awards').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
  return row;
}

export interface AwardListItem {
  id: string;
  achievementId: string;
  courseId: string;
  status: AwardRow['status'];
  credentialId: string | null;
  score: number | null;
  awardedAt: Date;
  learner: { id: string; email: string | null; name: string | null };
}

export async function listAwards(deps: Pick<BadgesDeps, 'db' | 'now'>, filter: { courseId?: string; achievementId?: string; platformId?: string }): Promise<AwardListItem[]> {
  let query = badgesDb(deps.db)
    .selectFrom('awards')
    .innerJoin('learners', 'learners.id', 'awards.learner_id')
    .select(['awards.id', 'awards.achievement_id', 'awards.course_id', 'awards.status', 'awards.expires_at', 'awards.credential_id', 'awards.score', 'awards.awarded_at', 'learners.id as learner_id', 'learners.email', 'learners.name']);
  if (filter.courseId) query = query.where('awards.course_id', '=', filter.courseId);
  if (filter.achievementId) query = query.where('awards.achievement_id', '=', filter.achievementId);
  // Tenancy: only awards in the platform's courses.
  if (filter.platformId) query = query.where('awards.course_id', 'in', sql<string>`(select id from courses where platform_id = ${filter.platformId})`);
  const rows = await query.orderBy('awards.awarded_at').orderBy('awards.id').limit(5000).execute();
  const now = clock(deps);
  return rows.map((r) => awardListItem(r, now, { id: r.learner_id, email: r.email, name: r.name }));
}

/** An award row as lists present it (status as of `now`: a lapsed award reads as expired). */
export function awardListItem(
  r: { id: string; achievement_id: string; course_id: string; status: AwardRow['status']; expires_at: Date | null; credential_id: string | null; score: string | number | null; awarded_at: Date },
  now: Date,
  learner: AwardListItem['learner'],
): AwardListItem {
  return {
    id: r.id,
    achievementId: r.achievement_id,
    courseId: r.course_id,
    status: effectiveStatus(r, now),
    credentialId: r.credential_id,
    score: r.score === null ? null : Number(r.score),
    awardedAt: r.awarded_at,
    learner,
  };
}

/** The active (not revoked) awards of these learners, for rule evaluation ("badges from badges"). */
/**
 * An award's status read under a share lock, inside the caller's transaction: a concurrent
 * revokeAward (which locks the row to update it) either commits first and is seen, or waits for the
 * caller's commit (and its award.revoked reactions then see what the caller stored).
 */
export async function awardStatusForShare(trx: AnyDb, awardId: string): Promise<Pick<AwardRow, 'status' | 'expires_at'> | undefined> {
  return badgesDb(trx).selectFrom('awards').select(['status', 'expires_at']).where('id', '=', awardId).forShare().executeTakeFirst();
}

export async function activeAwardsOf<T>(db: Kysely<T>, learnerIds: readonly string[]): Promise<{ learnerId: string; achievementId: string; validUntil: Date | null; awardId: string; awardedAt: Date; unsigned: boolean; signed: boolean }[]> {
  if (learnerIds.length === 0) return [];
  const { rows } = await sql<{ id: string; learner_id: string; achievement_id: string; expires_at: Date | null; awarded_at: Date; unsigned: boolean; signed: boolean }>`
    select id, learner_id, achievement_id, expires_at, awarded_at, (status = 'issued' and credential_id is null) as unsigned, (status = 'issued' and credential_id is not null) as signed
    from awards where learner_id = any(${[...learnerIds]}::uuid[]) and status <> 'revoked'`.execute(db);
  // unsigned: issued but without a credential yet (its issuing is in flight, or was lost with a crashed worker).
  return rows.map((r) => ({ learnerId: r.learner_id, achievementId: r.achievement_id, validUntil: r.expires_at, awardId: r.id, awardedAt: r.awarded_at, unsigned: r.unsigned, signed: r.signed }));
}
