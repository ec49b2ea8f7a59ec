import { sql } from 'kysely';
import type { AppContext } from '../context';
import { applyEvent } from './apply';
import { evaluateLearner } from './evaluate-learner';
import { unparkEvents, type LaunchIds } from './inbox';
import { enqueueEvaluations } from './jobs/evaluate';
import { fetchMoodleGradesNow, lastGradeFetch } from './moodle-export';
import { processParkedEvents } from './parked';

/**
 * What a launch settles before its page renders (issue 13). A launch can make a course or a learner
 * known to Laurel; events that arrived before (parked) then count at once instead of after the
 * periodic sweep: the course's grade items are listed on the teacher's first page and the learner's
 * grades are applied and evaluated before their page shows their badges.
 */

/** How long a first launch waits for Moodle's grade export; the job reads the rest. */
export const FIRST_LAUNCH_FETCH_BUDGET_MS = 8_000;
/** Events applied inline per launch; a course with more is finished by the evaluate jobs. */
const INLINE_LIMIT = 2_000;

export interface SettleProps {
  platformId: string;
  courseId: string;
  learnerId: string;
}

export interface SettleResult {
  /** Grades fetched from Moodle on the course's first launch (null: not a Moodle course with the plugin, or fetched before). */
  fetched: { stored: number; complete: boolean } | { error: string } | null;
  /** Parked events of the platform that now map. */
  unparked: number;
  /** Events of this course (its items, this learner's grades) applied before the page. */
  applied: number;
  /** Badges this learner was awarded by this launch. */
  awarded: string[];
}

/** The ids events may carry for the launch's course and person (see mapping.ts). */
async function launchIds(db: AppContext['database']['db'], props: SettleProps): Promise<LaunchIds> {
  const course = (await sql<{ context_id: string | null; lms_course_id: string | null }>`select context_id, lms_course_id from courses where id = ${props.courseId}`.execute(db)).rows[0];
  const learner = (await sql<{ lti_user_id: string | null; lms_user_id: string | null; email: string | null }>`select lti_user_id, lms_user_id, email from learners where id = ${props.learnerId}`.execute(db)).rows[0];
  const present = (values: Array<string | null | undefined>) => [...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0))];
  return { lmsCourseIds: present([course?.context_id, course?.lms_course_id]), lmsUserIds: present([learner?.lti_user_id, learner?.lms_user_id]), email: learner?.email ?? null };
}

export async function settleLaunch(ctx: AppContext, props: SettleProps): Promise<SettleResult> {
  const db = ctx.database.db;
  let fetched: SettleResult['fetched'] = null;
  // Grades that existed before Laurel: asked for once, when the course is first seen.
  if (!(await lastGradeFetch(db, props.courseId))) {
    const result = await fetchMoodleGradesNow(ctx, { courseId: props.courseId, restart: true, budgetMs: FIRST_LAUNCH_FETCH_BUDGET_MS });
    fetched = result && 'error' in result ? { error: result.error } : result ? { stored: result.stored, complete: result.complete } : null;
  }
  const ids = await launchIds(db, props);
  const unparked = await unparkEvents(db, { platformId: props.platformId, only: ids });
  const { rows } = await sql<{ id: string; kind: 'score' | 'assignment' }>`
    select id, kind from score_events
    where status = 'pending' and course_id = ${props.courseId} and ((kind = 'assignment' and learner_id is null) or learner_id = ${props.learnerId})
    order by occurred_at, received_at
    limit ${INLINE_LIMIT}`.execute(db);
  let applied = 0;
  let scored = false;
  for (const row of rows) {
    const outcome = await applyEvent(db, { eventId: row.id });
    if (outcome.kind === 'assignment' || outcome.kind === 'score') applied++;
    if (outcome.kind === 'score') scored = true;
  }
  const awarded = scored ? (await evaluateLearner(ctx, { courseId: props.courseId, learnerId: props.learnerId, now: new Date() })).awarded : [];
  // The rest (other learners' events this launch unparked) goes through the evaluate jobs as usual;
  // those applied here are found processed by their job.
  const inline = new Set(rows.map((r) => r.id));
  const rest = unparked.filter((id) => !inline.has(id));
  for (let i = 0; i < rest.length; i += 200) await enqueueEvaluations(ctx, rest.slice(i, i + 200));
  const result = { fetched, unparked: unparked.length, applied, awarded };
  if (fetched || unparked.length || applied) ctx.logger.info({ ...props, ...result }, 'launch settled');
  return result;
}

/** The events module's LTI hooks (src/lti/runtime.ts `LtiHooks`), wired in src/app/routes.ts. */
export function eventsLtiHooks(ctx: AppContext): {
  afterLaunch(outcome: { platform: { id: string }; course: { id: string }; learner: { id: string } }): Promise<void>;
  afterRosterSync(props: { platformId: string; courseId: string }): Promise<void>;
} {
  return {
    async afterLaunch(outcome) {
      await settleLaunch(ctx, { platformId: outcome.platform.id, courseId: outcome.course.id, learnerId: outcome.learner.id });
    },
    async afterRosterSync(props) {
      await processParkedEvents(ctx, { platformId: props.platformId });
    },
  };
}
