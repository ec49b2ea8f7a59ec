import type { RequestHandler, Router } from 'express';
import type { AppContext } from '../context';
import { type Course, activeEnrollmentCount, getPlatform } from '../courses';
import { fetchMoodleGradesNow, findMoodleExportTarget, lastGradeFetch } from '../events';
import { handle } from '../http';
import type { CsrfTokens } from '../http';
import { base, courseOf } from './page-data';

/**
 * The instructor page's "Roster and grades from the LMS" section: the roster count with the "Sync the
 * roster" button (posted to the LTI module's roster sync), and how grades given before Laurel come
 * in: "Fetch grades from Moodle" (the companion plugin's export), or for Canvas the gradebook CSV
 * import, which is the way: Canvas grants an LTI tool no REST API access to its gradebook, and
 * Assignment and Grade Services show a tool only its own columns.
 */

/** How long the button waits for Moodle before the page comes back; a job reads what is left. */
const FETCH_BUDGET_MS = 20_000;

export interface LmsSectionView {
  rosterCount: number;
  rosterSyncedAt: Date | null;
  rosterAction: string | null;
  lms: 'moodle' | 'canvas' | 'other' | null;
  moodleFetch: { action: string; status: string | null; events: number; at: Date | null; error: string | null } | null;
}

export async function lmsSectionView(ctx: AppContext, course: Course): Promise<LmsSectionView> {
  const db = ctx.database.db;
  const [rosterCount, platform, target, last] = await Promise.all([
    activeEnrollmentCount(db, course.id),
    course.platform_id ? getPlatform(db, course.platform_id) : Promise.resolve(undefined),
    findMoodleExportTarget(db, { courseId: course.id, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY }),
    lastGradeFetch(db, course.id),
  ]);
  return {
    rosterCount,
    rosterSyncedAt: course.roster_synced_at,
    rosterAction: course.nrps_url ? `/lti/courses/${course.id}/roster/sync` : null,
    lms: platform?.lms ?? null,
    moodleFetch: target
      ? { action: `${base(course.id)}/lms-grades`, status: last?.status ?? null, events: last?.events ?? 0, at: last?.finished_at ?? last?.started_at ?? null, error: last?.error ?? null }
      : null,
  };
}

/** POST `…/instructor/lms-grades`: fetch the course's grades from Moodle again (the button). */
export function lmsGradeRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens, form: RequestHandler): void {
  router.post('/lms-grades', form, csrf.verify(), handle(async (req, res) => {
    const course = await courseOf(ctx, req);
    const result = await fetchMoodleGradesNow(ctx, { courseId: course.id, restart: true, budgetMs: FETCH_BUDGET_MS });
    // Other learners' events that now map are queued by the fetch; the page shows the fetch's state.
    const done = result === null ? 'grades-fetch-unavailable' : 'error' in result ? 'grades-fetch-failed' : result.complete ? 'grades-fetched' : 'grades-fetching';
    res.redirect(303, `${base(course.id)}?done=${done}#lms-title`);
  }));
}
