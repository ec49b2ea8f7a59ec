import { sql } from 'kysely';
import type { AnyDb } from '../db';
import type { AwardStatus } from './tables';

/**
 * What other modules may know of awards to tell learners about them (reach's email, gradebook column,
 * Moodle plugin and "My badges"): an award with its achievement's wording and its stored credential.
 * Each function answers a whole batch in one query, bounded by a course or a platform (through the
 * course tables badges declares it reads), so callers compose facts without joining badges' tables.
 */
export interface AwardDetails {
  id: string;
  /** As stored: an issued award past `expiresAt` stays `issued` until the maintenance sweep. */
  status: AwardStatus;
  courseId: string;
  learnerId: string;
  achievementId: string;
  visibility: 'public' | 'private';
  awardedAt: Date;
  expiresAt: Date | null;
  achievement: { name: string; description: string; criteriaNarrative: string; imageUrl: string | null };
  /** The stored credential; null while the award is being signed. */
  credential: { id: string; issuerId: string; issuedAt: Date } | null;
}

interface DetailsRow {
  id: string;
  status: AwardStatus;
  course_id: string;
  learner_id: string;
  achievement_id: string;
  visibility: 'public' | 'private';
  awarded_at: Date;
  expires_at: Date | null;
  name: string;
  description: string;
  criteria_narrative: string;
  image_url: string | null;
  credential_id: string | null;
  issuer_id: string | null;
  issued_at: Date | null;
}

// `w` is the award, `a` its achievement, `cr` its credential (joined by each query as it needs).
const DETAILS = sql`w.id, w.status, w.course_id, w.learner_id, w.achievement_id, w.visibility, w.awarded_at, w.expires_at,
  a.name, a.description, a.criteria_narrative, a.image_url, cr.id as credential_id, cr.issuer_id, cr.issued_at`;

const detailsOf = (r: DetailsRow): AwardDetails => ({
  id: r.id,
  status: r.status,
  courseId: r.course_id,
  learnerId: r.learner_id,
  achievementId: r.achievement_id,
  visibility: r.visibility,
  awardedAt: r.awarded_at,
  expiresAt: r.expires_at,
  achievement: { name: r.name, description: r.description, criteriaNarrative: r.criteria_narrative, imageUrl: r.image_url },
  credential: r.credential_id && r.issuer_id && r.issued_at ? { id: r.credential_id, issuerId: r.issuer_id, issuedAt: r.issued_at } : null,
});

/** The awards with these ids (any status), by id; ids that name no award are absent. */
export async function awardDetails(db: AnyDb, awardIds: readonly string[]): Promise<Map<string, AwardDetails>> {
  if (awardIds.length === 0) return new Map();
  const { rows } = await sql<DetailsRow>`
    select ${DETAILS}
    from awards w join achievements a on a.id = w.achievement_id left join credentials cr on cr.id = w.credential_id
    where w.id = any(${[...new Set(awardIds)]}::uuid[])`.execute(db);
  return new Map(rows.map((r) => [r.id, detailsOf(r)]));
}

/**
 * A person's badges on one platform (their learner records there): every award not revoked, in the
 * platform's courses, newest award first, at most `limit`.
 */
export async function unrevokedAwardsOf(db: AnyDb, props: { platformId: string; learnerIds: readonly string[]; limit: number }): Promise<AwardDetails[]> {
  if (props.learnerIds.length === 0) return [];
  const { rows } = await sql<DetailsRow>`
    select ${DETAILS}
    from awards w join achievements a on a.id = w.achievement_id left join credentials cr on cr.id = w.credential_id
    where w.learner_id = any(${[...new Set(props.learnerIds)]}::uuid[])
      and w.course_id in (select id from courses where platform_id = ${props.platformId})
      and w.status <> 'revoked'
    order by w.awarded_at desc, w.id
    limit ${props.limit}`.execute(db);
  return rows.map(detailsOf);
}

/**
 * What others may see of a person's badges on one platform: awards issued, valid at `now`, public and
 * signed, in the platform's courses (or only in `courseIds`, which must be of that platform to
 * match), newest credential first, at most `limit`.
 */
export async function publicValidAwardsOf(db: AnyDb, props: { platformId: string; learnerIds: readonly string[]; courseIds?: readonly string[]; now: Date; limit: number }): Promise<AwardDetails[]> {
  if (props.learnerIds.length === 0 || props.courseIds?.length === 0) return [];
  const courseIds = props.courseIds ? [...props.courseIds] : null;
  const { rows } = await sql<DetailsRow>`
    select ${DETAILS}
    from awards w join achievements a on a.id = w.achievement_id join credentials cr on cr.id = w.credential_id
    where w.learner_id = any(${[...new Set(props.learnerIds)]}::uuid[])
      and w.course_id in (select id from courses where platform_id = ${props.platformId})
      and (${courseIds}::uuid[] is null or w.course_id = any(${courseIds}::uuid[]))
      and w.status = 'issued' and (w.expires_at is null or w.expires_at > ${props.now}) and w.visibility = 'public'
    order by cr.issued_at desc, w.id
    limit ${props.limit}`.execute(db);
  return rows.map(detailsOf);
}

/**
 * A learner's standing in one course at `at`: how many of its achievements are published, and the
 * learner's awards of published achievements that are issued and still valid, oldest award first (then
 * by name).
 */
export async function courseStandingOf(db: AnyDb, props: { courseId: string; learnerId: string; at: Date }): Promise<{ publishedCount: number; held: AwardDetails[] }> {
  const published = (await sql<{ n: string }>`select count(*) as n from achievements where course_id = ${props.courseId} and status = 'published'`.execute(db)).rows[0];
  const { rows } = await sql<DetailsRow>`
    select ${DETAILS}
    from awards w join achievements a on a.id = w.achievement_id left join credentials cr on cr.id = w.credential_id
    where w.course_id = ${props.courseId} and w.learner_id = ${props.learnerId} and a.status = 'published'
      and w.status = 'issued' and (w.expires_at is null or w.expires_at > ${props.at})
    order by w.awarded_at, a.name`.execute(db);
  return { publishedCount: Number(published?.n ?? 0), held: rows.map(detailsOf) };
}

/** Where a reader of `credentialsStoredAfter` left off: a credential's storage time (microseconds, as PostgreSQL keeps it) and award. */
export interface StoredCredentialKey {
  storedAtMicros: string;
  awardId: string;
}

/**
 * Issued awards of one platform (its courses and its learners) whose credential was stored after
 * `after`, oldest stored first, at most `limit`, each with its key to continue from.
 */
export async function credentialsStoredAfter(db: AnyDb, props: { platformId: string; after: StoredCredentialKey; limit: number }): Promise<Array<AwardDetails & { key: StoredCredentialKey }>> {
  const micros = sql`(extract(epoch from cr.created_at) * 1000000)::bigint`;
  const { rows } = await sql<DetailsRow & { micros: string }>`
    select ${DETAILS}, ${micros}::text as micros
    from credentials cr join awards w on w.id = cr.award_id join achievements a on a.id = w.achievement_id
    where w.course_id in (select id from courses where platform_id = ${props.platformId})
      and w.learner_id in (select id from learners where platform_id = ${props.platformId})
      and (${micros}, w.id) > (${props.after.storedAtMicros}::bigint, ${props.after.awardId}::uuid)
      and w.status = 'issued'
    order by cr.created_at, w.id
    limit ${props.limit}`.execute(db);
  return rows.map((r) => ({ ...detailsOf(r), key: { storedAtMicros: r.micros, awardId: r.id } }));
}

/** A course and learner with an award revoked or expired (the latest such change). */
export interface EndedAwardsOfLearner {
  courseId: string;
  learnerId: string;
  /** PostgreSQL's timestamptz text, microseconds kept (a JavaScript Date would drop them). */
  lastChangedAt: string;
}

/**
 * Courses and learners whose awards were revoked or expired after `since`, in (course, learner) order,
 * at most `limit` after the pair `after` (to read them page by page).
 */
export async function awardsEndedSince(db: AnyDb, props: { since: Date; after?: { courseId: string; learnerId: string }; limit: number }): Promise<EndedAwardsOfLearner[]> {
  const after = props.after ?? null;
  const { rows } = await sql<{ course_id: string; learner_id: string; last_changed_at: string }>`
    select course_id, learner_id, max(updated_at)::text as last_changed_at
    from awards
    where status in ('revoked', 'expired') and updated_at > ${props.since}::timestamptz
      and (${after?.courseId ?? null}::uuid is null or (course_id, learner_id) > (${after?.courseId ?? null}::uuid, ${after?.learnerId ?? null}::uuid))
    group by course_id, learner_id
    order by course_id, learner_id
    limit ${props.limit}`.execute(db);
  return rows.map((r) => ({ courseId: r.course_id, learnerId: r.learner_id, lastChangedAt: r.last_changed_at }));
}
