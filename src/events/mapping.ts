import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../batching';
import type { NormalisedEvent } from './model';
import type { EventsDb } from './tables';
import { asTables } from '../db';

/**
 * Maps an event's LMS ids onto Laurel's courses and learners, through what LTI launches and roster
 * syncs recorded (`courses.lms_course_id`, `learners.lms_user_id`). Unknown ids are not an error:
 * the event is parked and mapped later (`processParkedEvents`).
 */

export interface Mapping {
  courseId: string | null;
  learnerId: string | null;
}

const CANVAS_SHARD_FACTOR = 10n ** 13n;

/**
 * Canvas Live Events carry global ids (shard * 10^13 + local id) while `$Canvas.user.id` in a launch
 * may be the local id: match either.
 */
export function canvasIdCandidates(id: string): string[] {
  if (!/^\d{14,}$/.test(id)) return [id];
  return [id, String(BigInt(id) % CANVAS_SHARD_FACTOR)];
}

function candidates(origin: NormalisedEvent['origin'], id: string): string[] {
  return origin === 'canvas' ? canvasIdCandidates(id) : [id];
}

// Found mappings, kept briefly per process: a busy course sends many events for the same learners,
// and LMS ids never move to another Laurel learner. Misses are not cached, so a learner mapped by a
// launch a second ago is found on the next event.
const MAPPING_TTL_MS = 60_000;
const MAPPING_CACHE_MAX = 50_000;
const found = new Map<string, { mapping: Mapping; until: number }>();
// The parts a new learner's first event shares with the course's other events: the course an LMS
// course id names, and that course's platform. Without them every new learner's first event cost
// three lookups instead of one (at 500 new learners/s, two of the three statements the intake ran
// per event). Found values only, for the same time as above.
const courses = new Map<string, { value: string; until: number }>();
const coursePlatforms = new Map<string, { value: { platform_id: string | null }; until: number }>();

export function clearMappingCache(): void {
  found.clear();
  courses.clear();
  coursePlatforms.clear();
}

/** `look()` once per key and TTL; a miss (undefined) is not kept. */
async function remembered<V>(cache: Map<string, { value: V; until: number }>, key: string, look: () => Promise<V | undefined>): Promise<V | undefined> {
  const now = Date.now();
  const hit = cache.get(key);
  if (hit && hit.until > now) return hit.value;
  const value = await look();
  if (value === undefined) return undefined;
  if (cache.size >= MAPPING_CACHE_MAX) cache.clear();
  cache.set(key, { value, until: now + MAPPING_TTL_MS });
  return value;
}

export async function resolveMapping<T>(dbAny: Kysely<T>, props: { platformId: string | null; event: NormalisedEvent; now?: Date }): Promise<Mapping> {
  const { event, platformId } = props;
  const now = (props.now ?? new Date()).getTime();
  const key = JSON.stringify([platformId, event.origin, event.type, event.course.courseId, event.course.lmsCourseId, event.assignment.sourceKey, event.type === 'score' ? [event.learner.lmsUserId, event.learner.ltiUserId, event.learner.email] : null]);
  const hit = found.get(key);
  if (hit && hit.until > now) return hit.mapping;
  const mapping = await lookUp(asTables<EventsDb>(dbAny), props);
  const complete = mapping.courseId !== null && (event.type === 'assignment' || mapping.learnerId !== null);
  if (complete) {
    if (found.size >= MAPPING_CACHE_MAX) found.clear();
    found.set(key, { mapping, until: now + MAPPING_TTL_MS });
  }
  return mapping;
}

async function lookUp(db: Kysely<EventsDb>, props: { platformId: string | null; event: NormalisedEvent }): Promise<Mapping> {
  const { event, platformId } = props;
  const courseId = event.course.courseId ?? (platformId ? await findCourseId(db, platformId, event) : null);
  if (event.type !== 'score' || !courseId) return { courseId, learnerId: null };
  return { courseId, learnerId: await findLearnerId(db, { platformId, courseId, event }) };
}

async function findCourseId(db: Kysely<EventsDb>, platformId: string, event: NormalisedEvent): Promise<string | null> {
  const lmsCourseId = event.course.lmsCourseId;
  if (lmsCourseId) {
    const ids = candidates(event.origin, lmsCourseId);
    const id = await remembered(courses, JSON.stringify([platformId, event.origin, lmsCourseId]), async () => (await db
      .selectFrom('courses')
      .select('id')
      .where('platform_id', '=', platformId)
      // Moodle's LTI context id is its course id, so a launch alone is enough to map Moodle events.
      .where((eb) => eb.or([eb('lms_course_id', 'in', ids), ...(event.origin === 'moodle' ? [eb('context_id', '=', lmsCourseId)] : [])]))
      .executeTakeFirst())?.id);
    if (id) return id;
  }
  // Canvas submission events from LTI passback name no course: find it through the assignment.
  const viaAssignment = await db
    .selectFrom('assignments')
    .innerJoin('courses', 'courses.id', 'assignments.course_id')
    .select('courses.id')
    .where('courses.platform_id', '=', platformId)
    .where('assignments.source_key', '=', event.assignment.sourceKey)
    .executeTakeFirst();
  return viaAssignment?.id ?? null;
}

type LearnerKey = { col: 'lms_user_id' | 'lti_user_id'; id: string };

// Concurrent intakes of one process share one statement for their learners (a burst of grades is
// mostly learners not seen in the last minute): one round trip per batch instead of one per event.
const learnerBatches = new WeakMap<object, GroupCommit<{ platformId: string; keys: LearnerKey[] }, string | undefined>>();

/** The learner of a platform one of `keys` names (the first key that matches wins), through the batcher when `db` is the pool. */
async function learnerByIds(db: Kysely<EventsDb>, platformId: string, keys: LearnerKey[]): Promise<string | undefined> {
  if (db.isTransaction) return (await readLearners(db, [{ platformId, keys }]))[0];
  let batcher = learnerBatches.get(db);
  if (!batcher) {
    batcher = new GroupCommit((items) => readLearners(db, items), { maxBatch: 200, maxInFlight: 2 });
    learnerBatches.set(db, batcher);
  }
  return batcher.submit({ platformId, keys });
}

async function readLearners(db: Kysely<EventsDb>, items: readonly { platformId: string; keys: LearnerKey[] }[]): Promise<(string | undefined)[]> {
  const wanted = items.flatMap((item) => item.keys.map((k) => ({ platform: item.platformId, col: k.col, id: k.id })));
  const by = (col: LearnerKey['col']) => wanted.filter((w) => w.col === col);
  const [lms, lti] = [by('lms_user_id'), by('lti_user_id')];
  // One equality join per column, each on its (platform_id, column) index: an OR across the two
  // columns in one join made PostgreSQL scan every learner of the platform (235 ms per batch in the bench).
  const { rows } = await sql<{ id: string; platform_id: string; lms_user_id: string | null; lti_user_id: string | null }>`
    select l.id, l.platform_id, l.lms_user_id, l.lti_user_id from learners l
    join unnest(${lms.map((w) => w.platform)}::uuid[], ${lms.map((w) => w.id)}::text[]) as w(platform_id, id) on l.platform_id = w.platform_id and l.lms_user_id = w.id
    union
    select l.id, l.platform_id, l.lms_user_id, l.lti_user_id from learners l
    join unnest(${lti.map((w) => w.platform)}::uuid[], ${lti.map((w) => w.id)}::text[]) as w(platform_id, id) on l.platform_id = w.platform_id and l.lti_user_id = w.id`.execute(db);
  const found = new Map<string, string>();
  for (const r of rows) {
    // The smallest id when several learners match one key: the same answer whichever batch asked.
    for (const [col, value] of [['lms_user_id', r.lms_user_id], ['lti_user_id', r.lti_user_id]] as const) {
      if (value === null) continue;
      const key = `${r.platform_id}\u0000${col}\u0000${value}`;
      const seen = found.get(key);
      if (seen === undefined || r.id < seen) found.set(key, r.id);
    }
  }
  return items.map((item) => {
    for (const k of item.keys) {
      const id = found.get(`${item.platformId}\u0000${k.col}\u0000${k.id}`);
      if (id) return id;
    }
    return undefined;
  });
}

async function findLearnerId(db: Kysely<EventsDb>, props: { platformId: string | null; courseId: string; event: NormalisedEvent & { type: 'score' } }): Promise<string | null> {
  const { learner, origin } = props.event;
  // A course never moves to another platform.
  const course = await remembered(coursePlatforms, props.courseId, () => db.selectFrom('courses').select(['platform_id']).where('id', '=', props.courseId).executeTakeFirst());
  if (!course) return null;
  const platformId = course.platform_id;
  if (platformId === null) {
    // A manual course: learners are platform-less and identified by email (API events).
    if (!learner.email) return null;
    const row = await db
      .selectFrom('learners')
      .select('id')
      .where('platform_id', 'is', null)
      .where(sql`lower(email)`, '=', learner.email.toLowerCase())
      .executeTakeFirst();
    return row?.id ?? null;
  }
  const ors: LearnerKey[] = [];
  if (learner.lmsUserId) ors.push(...candidates(origin, learner.lmsUserId).map((id) => ({ col: 'lms_user_id' as const, id })));
  // Moodle's LTI `sub` is its user id; API callers may send the LTI user id.
  if (learner.lmsUserId && origin !== 'canvas') ors.push({ col: 'lti_user_id' as const, id: learner.lmsUserId });
  if (learner.ltiUserId) ors.push({ col: 'lti_user_id' as const, id: learner.ltiUserId });
  const row = ors.length ? { id: await learnerByIds(db, platformId, ors) } : undefined;
  if (row?.id || !learner.email) return row?.id ?? null;
  // Gradebook exports (Moodle) identify learners by email only; launches and rosters record it.
  const byEmail = await db.selectFrom('learners').select('id').where('platform_id', '=', platformId).where(sql`lower(email)`, '=', learner.email.toLowerCase()).executeTakeFirst();
  return byEmail?.id ?? null;
}
