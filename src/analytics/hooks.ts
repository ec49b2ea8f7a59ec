import type { Request } from 'express';
import type { AppContext } from '../context';
import { hasCourseSession, isAutomated, verifiedCredentialId } from './model';
import { AnalyticsRecorder } from './recorder';

// One recorder per database handle (one per process, one per test context). Keyed on the database,
// not the context object, because some callers pass copies of the context.
const recorders = new WeakMap<object, AnalyticsRecorder>();

/** The process's analytics recorder for this context (tests await `.flush()` before reading counts). */
export function analyticsRecorder(ctx: Pick<AppContext, 'database' | 'logger'>): AnalyticsRecorder {
  let recorder = recorders.get(ctx.database);
  if (!recorder) {
    recorder = new AnalyticsRecorder({ db: ctx.database.db, logger: ctx.logger });
    recorders.set(ctx.database, recorder);
  }
  return recorder;
}

/** The course and achievement of a credential being served (an award row has both). */
export interface AwardRef {
  course_id: string;
  achievement_id: string;
}

// Every hook below is called from a route that is already answering: they never throw and never wait.

/** A browser opened a credential's public page (not counted: course members, declared bots, HEAD). */
export function countCredentialView(ctx: AppContext, req: Request, award: AwardRef): void {
  if (req.method !== 'GET' || isAutomated(req.get('user-agent'))) return;
  if (hasCourseSession(req.get('cookie'), award.course_id)) return;
  analyticsRecorder(ctx).count({ courseId: award.course_id, achievementId: award.achievement_id, kind: 'viewed' });
}

/** A baked image, JSON or JWT was downloaded (the holder's own downloads count: they are shares). */
export function countCredentialDownload(ctx: AppContext, req: Request, award: AwardRef): void {
  if (req.method !== 'GET' || isAutomated(req.get('user-agent'))) return;
  analyticsRecorder(ctx).count({ courseId: award.course_id, achievementId: award.achievement_id, kind: 'downloaded' });
}

/** The verify API checked one of our credentials (only when a proof verified, see verifiedCredentialId). */
export function countVerification(ctx: AppContext, result: Parameters<typeof verifiedCredentialId>[0]): void {
  const credentialId = verifiedCredentialId(result, ctx.config.BASE_URL);
  if (credentialId) analyticsRecorder(ctx).countCredential({ credentialId, kind: 'verified' });
}

/** A verifier fetched a status list (any answer with the list, 304 included). */
export function countStatusListFetch(ctx: AppContext, listId: string): void {
  analyticsRecorder(ctx).countStatusList({ listId });
}
