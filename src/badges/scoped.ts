import { sql } from 'kysely';
import { courseIdsInScope, findCourseInScope, findLearnerInScope, isUuid, learnerSummaries, type TenantScope } from '../courses';
import { decodeCursor, pageOf } from '../db';
import { LaurelError } from '../errors';
import { getAchievement, listAchievements, type AchievementRow } from './achievements';
import { awardBadge, awardListItem, getAward, revokeAward, type AwardListItem, type AwardRow } from './awards';
import { badgesDb, clock, type BadgesDeps } from './deps';
import { awardManually, type ManualAwardProps } from './manual';
import type { AchievementStatus, AwardStatus } from './tables';

/**
 * The badges use-cases behind `/api/v1`, each bounded by the caller's tenant reach: an achievement
 * or award of a course outside it is answered as absent (ERR_NOT_FOUND), never as forbidden.
 */

/** The achievement, if its course is within the scope. */
export async function findAchievementInScope(deps: Pick<BadgesDeps, 'db'>, props: { achievementId: string; scope: TenantScope }): Promise<AchievementRow> {
  const achievement = await getAchievement(deps, props.achievementId);
  await findCourseInScope(deps.db, { courseId: achievement.course_id, scope: props.scope }).catch((error: unknown) => {
    if (error instanceof LaurelError && error.code === 'ERR_NOT_FOUND') throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.');
    throw error;
  });
  return achievement;
}

/** Achievements of one course or of every course in the scope. */
export async function listAchievementsInScope(deps: Pick<BadgesDeps, 'db'>, props: { courseId?: string; status?: AchievementStatus; scope: TenantScope }): Promise<AchievementRow[]> {
  if (props.courseId) {
    await findCourseInScope(deps.db, { courseId: props.courseId, scope: props.scope });
    return listAchievements(deps, { courseId: props.courseId, ...(props.status ? { status: props.status } : {}) });
  }
  const courseIds = await courseIdsInScope(deps.db, props.scope);
  const rows = await listAchievements(deps, props.status ? { status: props.status } : {});
  return courseIds ? rows.filter((r) => courseIds.includes(r.course_id)) : rows;
}

export interface AwardPageFilter {
  scope: TenantScope;
  courseId?: string;
  achievementId?: string;
  learnerId?: string;
  /** The effective status: an issued award past its validity is `expired` even before the sweep. */
  status?: AwardStatus;
  limit: number;
  cursor?: string;
}

/** A page of awards, oldest first, with `nextCursor` while more remain. */
export async function listAwardsPage(deps: Pick<BadgesDeps, 'db' | 'now'>, filter: AwardPageFilter): Promise<{ items: AwardListItem[]; nextCursor: string | null }> {
  const now = clock(deps);
  if (filter.courseId) await findCourseInScope(deps.db, { courseId: filter.courseId, scope: filter.scope });
  const courseIds = filter.courseId ? undefined : await courseIdsInScope(deps.db, filter.scope);
  if (courseIds && courseIds.length === 0) return { items: [], nextCursor: null };
  if ((filter.achievementId && !isUuid(filter.achievementId)) || (filter.learnerId && !isUuid(filter.learnerId))) return { items: [], nextCursor: null };
  let query = badgesDb(deps.db)
    .selectFrom('awards')
    .select(['awards.id', 'awards.achievement_id', 'awards.course_id', 'awards.status', 'awards.expires_at', 'awards.credential_id', 'awards.score', 'awards.awarded_at', 'awards.learner_id'])
    .select(sql<string>`awards.awarded_at::text`.as('page_at'));
  if (filter.courseId) query = query.where('awards.course_id', '=', filter.courseId);
  if (courseIds) query = query.where('awards.course_id', 'in', courseIds);
  if (filter.achievementId) query = query.where('awards.achievement_id', '=', filter.achievementId);
  if (filter.learnerId) query = query.where('awards.learner_id', '=', filter.learnerId);
  if (filter.status === 'issued') query = query.where('awards.status', '=', 'issued').where((eb) => eb.or([eb('awards.expires_at', 'is', null), eb('awards.expires_at', '>', now)]));
  else if (filter.status === 'expired') query = query.where((eb) => eb.or([eb('awards.status', '=', 'expired'), eb.and([eb('awards.status', '=', 'issued'), eb('awards.expires_at', '<=', now)])]));
  else if (filter.status) query = query.where('awards.status', '=', filter.status);
  if (filter.cursor) {
    const key = decodeCursor(filter.cursor);
    query = query.where((eb) => eb(eb.refTuple('awards.awarded_at', 'awards.id'), '>', eb.tuple(sql<Date>`${key.at}::timestamptz`, key.id)));
  }
  const rows = await query.orderBy('awards.awarded_at').orderBy('awards.id').limit(filter.limit + 1).execute();
  const page = pageOf(rows, filter.limit);
  const learners = await learnerSummaries(deps.db, page.rows.map((r) => r.learner_id));
  return {
    nextCursor: page.nextCursor,
    items: page.rows.map((r) => awardListItem(r, now, learners.get(r.learner_id) ?? { id: r.learner_id, email: null, name: null })),
  };
}

/** The award, if its course is within the scope. */
export async function findAwardInScope(deps: Pick<BadgesDeps, 'db'>, props: { awardId: string; scope: TenantScope }): Promise<AwardRow & { learner: { id: string; email: string | null; name: string | null } }> {
  const award = await getAward(deps, props.awardId);
  await findCourseInScope(deps.db, { courseId: award.course_id, scope: props.scope }).catch((error: unknown) => {
    if (error instanceof LaurelError && error.code === 'ERR_NOT_FOUND') throw new LaurelError('ERR_NOT_FOUND', 'No award has this id.');
    throw error;
  });
  const learner = (await learnerSummaries(deps.db, [award.learner_id])).get(award.learner_id) ?? { id: award.learner_id, email: null, name: null };
  return { ...award, learner };
}

/** Exactly one of `recipient` and `learnerId`. */
export type ScopedAwardProps = Omit<ManualAwardProps, 'recipient'> & { scope: TenantScope; recipient?: ManualAwardProps['recipient']; learnerId?: string };

/**
 * A manual award of an achievement within the scope: to a recipient by email (`awardManually`), or
 * to a learner already enrolled in the achievement's course (the badge page's roster award).
 */
export async function awardManuallyInScope(deps: BadgesDeps, props: ScopedAwardProps, enqueueIssue: (awardId: string) => Promise<void>): Promise<{ award: AwardRow; learner: { id: string; email: string | null; name: string | null }; created: boolean }> {
  const { scope, learnerId, recipient, ...rest } = props;
  const achievement = await findAchievementInScope(deps, { achievementId: props.achievementId, scope });
  if (recipient && !learnerId) return awardManually(deps, { ...rest, recipient }, enqueueIssue);
  if (!learnerId || recipient) throw new LaurelError('ERR_VALIDATION', 'Invalid request body: recipient: give either recipient or learnerId.', { issues: [{ field: 'recipient', message: 'give either recipient or learnerId' }] });
  const learner = await findLearnerInScope(deps.db, { learnerId, scope });
  // Only people enrolled in the badge's own course, as on the page.
  if (!learner.courseIds.includes(achievement.course_id)) {
    throw new LaurelError('ERR_VALIDATION', 'Invalid request body: learnerId: not a learner of this course.', { issues: [{ field: 'learnerId', message: 'not a learner of this course' }] });
  }
  const { award, created } = await awardBadge(deps, {
    achievementId: achievement.id, learnerId: learner.id, score: rest.score ?? null, evidence: rest.evidence ?? [{ name: 'Awarded by hand' }], visibility: rest.visibility, actor: rest.actor, source: 'manual',
  });
  if (!award.credential_id && award.status === 'issued') await enqueueIssue(award.id);
  return { award, learner: { id: learner.id, email: learner.email, name: learner.name }, created };
}

/** Revokes an award within the scope (see `revokeAward`). */
export async function revokeAwardInScope(deps: BadgesDeps, props: { awardId: string; reason: string; actor: string; scope: TenantScope }): Promise<AwardRow> {
  await findAwardInScope(deps, { awardId: props.awardId, scope: props.scope });
  return revokeAward(deps, { awardId: props.awardId, reason: props.reason, actor: props.actor });
}
