import { sql, type Kysely } from 'kysely';
import { courseStandingOf } from '../badges';
import { courseFacts, getPlatform, platformSentLearner, type Platform } from '../courses';
import { courseLineItemUrl } from '../lti';
import { gradebookFeedbackOn } from './preferences';
import { gradebookFeedback, sameFeedback, type HeldBadge } from './feedback';

/** The AGS calls gradebook feedback makes (src/lti's AgsClient satisfies it). */
export interface GradebookAgs {
  findOrCreateLineItem(lineItemsUrl: string, item: { label: string; scoreMaximum: number; resourceId: string; tag: string }): Promise<{ id: string }>;
  postScore(lineItemUrl: string, score: { userId: string; scoreGiven: number; scoreMaximum: number; comment?: string; timestamp: string }): Promise<void>;
}

export interface GradebookDeps {
  db: Kysely<any>;
  /** Public origin for credential links. */
  baseUrl: string;
  /** AGS for a platform, created only when something will be posted. */
  agsFor(platform: Platform): Promise<GradebookAgs>;
  now: () => Date;
}

export const AGS_SCORE_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/score';
export const AGS_LINEITEM_SCOPE = 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem';
/** How Laurel finds the column it made itself when its resource link has none. */
export const LAUREL_COLUMN = { label: 'Badges (Laurel)', resourceId: 'laurel-badges', tag: 'laurel-badges' } as const;

export type GradebookOutcome =
  | { posted: true; scoreGiven: number; scoreMaximum: number; lineItemUrl: string }
  | { posted: false; skipped: 'no-course' | 'no-platform' | 'feedback-off' | 'no-score-scope' | 'not-from-platform' | 'no-line-item' | 'no-published-badges' | 'unchanged' };

/**
 * Brings Laurel's gradebook column up to date for one learner of one course: reads the learner's
 * current badges (so any number of coalesced triggers end in one post of the latest state), and posts
 * score + comment through AGS. Posts only when the platform granted the score scope, only for a
 * learner the platform itself sent (an LTI user id from a launch or the roster of this course), and
 * only when the course has not turned feedback off.
 */
export async function syncGradebook(deps: GradebookDeps, props: { courseId: string; learnerId: string }): Promise<GradebookOutcome> {
  const { db } = deps;
  const course = (await courseFacts(db, [props.courseId])).get(props.courseId);
  if (!course) return { posted: false, skipped: 'no-course' };
  if (!course.platformId) return { posted: false, skipped: 'no-platform' };
  if (!(await gradebookFeedbackOn(db, props.courseId))) return { posted: false, skipped: 'feedback-off' };
  const scopes = course.agsScopes;
  if (!scopes.includes(AGS_SCORE_SCOPE)) return { posted: false, skipped: 'no-score-scope' };
  const platform = await getPlatform(db, course.platformId);
  if (platform?.status !== 'active') return { posted: false, skipped: 'no-platform' };

  // The platform's own learner: its LTI user id, enrolled as a learner by a launch or the platform's roster.
  const learner = await platformSentLearner(db, { platformId: platform.id, courseId: props.courseId, learnerId: props.learnerId });
  if (!learner) return { posted: false, skipped: 'not-from-platform' };

  const counts = await badgeState(deps, props);
  const feedback = gradebookFeedback(counts);
  if (!feedback) return { posted: false, skipped: 'no-published-badges' };

  let lineItemUrl = await courseLineItemUrl(db, props.courseId);
  const ags = () => deps.agsFor(platform);
  if (!lineItemUrl) {
    if (!course.agsLineItemsUrl || !scopes.includes(AGS_LINEITEM_SCOPE)) return { posted: false, skipped: 'no-line-item' };
    const lineItemsUrl = course.agsLineItemsUrl;
    // AGS line-item creation is not idempotent: two learners' jobs of one course running at once would
    // both find no column and create two. One transaction-scoped lock per course makes it find-or-create.
    lineItemUrl = await db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`laurel-column:${props.courseId}`}, 0))`.execute(trx);
      return (await (await ags()).findOrCreateLineItem(lineItemsUrl, { ...LAUREL_COLUMN, scoreMaximum: 100 })).id;
    });
  }

  const last = (await sql<{ score_given: string; score_maximum: string; comment: string }>`
    select score_given, score_maximum, comment from reach_gradebook_posts
    where course_id = ${props.courseId} and learner_id = ${props.learnerId} and lineitem_url = ${lineItemUrl}`.execute(db)).rows[0];
  if (last && sameFeedback(feedback, { scoreGiven: Number(last.score_given), scoreMaximum: Number(last.score_maximum), comment: last.comment })) {
    // Checked now: the sweep (sweep.ts) looks for changes newer than the last check.
    await sql`update reach_gradebook_posts set posted_at = ${deps.now()} where course_id = ${props.courseId} and learner_id = ${props.learnerId} and lineitem_url = ${lineItemUrl}`.execute(db);
    return { posted: false, skipped: 'unchanged' };
  }
  // The time the state was read: a platform refuses a score older than the one it holds, so a slower
  // job carrying an older reading cannot overwrite a newer one.
  const readAt = counts.readAt;
  await (await ags()).postScore(lineItemUrl, { userId: learner.ltiUserId, ...feedback, timestamp: readAt.toISOString() });
  await sql`
    insert into reach_gradebook_posts (course_id, learner_id, lineitem_url, score_given, score_maximum, comment, posted_at)
    values (${props.courseId}, ${props.learnerId}, ${lineItemUrl}, ${feedback.scoreGiven}, ${feedback.scoreMaximum}, ${feedback.comment}, ${deps.now()})
    on conflict (course_id, learner_id, lineitem_url) do update set
      score_given = excluded.score_given, score_maximum = excluded.score_maximum, comment = excluded.comment, posted_at = excluded.posted_at`.execute(db);
  return { posted: true, scoreGiven: feedback.scoreGiven, scoreMaximum: feedback.scoreMaximum, lineItemUrl };
}

/** Published badges of the course and the learner's active ones among them, oldest award first. */
async function badgeState(deps: GradebookDeps, props: { courseId: string; learnerId: string }): Promise<{ publishedCount: number; held: HeldBadge[]; readAt: Date }> {
  const readAt = deps.now();
  const standing = await courseStandingOf(deps.db, { ...props, at: readAt });
  const held = standing.held.map((award) => ({
    name: award.achievement.name,
    ...(award.credential && award.visibility === 'public' ? { url: `${deps.baseUrl}/credentials/${award.credential.id}` } : {}),
  }));
  return { publishedCount: standing.publishedCount, held, readAt };
}
