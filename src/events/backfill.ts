import { z } from 'zod';
import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../context';
import { activeAwardsOf, getAchievement } from '../badges';
import { defineJob } from '../queue';
import { evaluate, parseRule, type Evaluation, type HeldBadge, type RuleNode, type ScoreFact } from '../rules';
import { aliasesOf, defaultAwarder, type Awarder } from './evaluate-learner';
import type { EventsDb } from './tables';
import { asTables } from '../db';

/**
 * Dry run and backfill: a rule created or changed later is applied to the scores Laurel already
 * holds (DESIGN section 3). Both read the whole course in two queries and evaluate in memory.
 */

interface LearnerFacts {
  learnerId: string;
  name: string | null;
  email: string | null;
  scores: ScoreFact[];
  badges: HeldBadge[];
}

/** Every learner of the course (enrolled or with a score) with their scores and active awards. */
export async function loadCourseFacts<T>(dbAny: Kysely<T>, props: { courseId: string }): Promise<LearnerFacts[]> {
  const db = asTables<EventsDb>(dbAny);
  const learners = await db
    .selectFrom('learners')
    .select(['learners.id', 'learners.name', 'learners.email'])
    .where((eb) =>
      eb.or([
        eb.exists(eb.selectFrom('enrollments').select(sql`1`.as('one')).whereRef('enrollments.learner_id', '=', 'learners.id').where('enrollments.course_id', '=', props.courseId).where('enrollments.status', '=', 'active')),
        eb.exists(eb.selectFrom('learner_scores').select(sql`1`.as('one')).whereRef('learner_scores.learner_id', '=', 'learners.id').where('learner_scores.course_id', '=', props.courseId)),
      ]),
    )
    .execute();
  const byId = new Map<string, LearnerFacts>(learners.map((l) => [l.id, { learnerId: l.id, name: l.name, email: l.email, scores: [], badges: [] }]));
  const scores = await db
    .selectFrom('learner_scores')
    .innerJoin('assignments', 'assignments.id', 'learner_scores.assignment_id')
    .select(['learner_scores.learner_id', 'assignments.id', 'assignments.source_key', 'assignments.name', 'learner_scores.score_given', 'learner_scores.score_maximum', 'learner_scores.excused', 'learner_scores.missing', 'learner_scores.occurred_at'])
    .where('learner_scores.course_id', '=', props.courseId)
    .execute();
  const aliasCache = new Map<string, string[]>();
  for (const r of scores) {
    let aliases = aliasCache.get(r.source_key);
    if (!aliases) aliasCache.set(r.source_key, (aliases = aliasesOf(r.source_key)));
    byId.get(r.learner_id)?.scores.push({
      assignmentId: r.id, aliases, assignmentName: r.name,
      scoreGiven: r.score_given === null ? null : Number(r.score_given),
      scoreMaximum: r.score_maximum === null ? null : Number(r.score_maximum),
      excused: r.excused, missing: r.missing, occurredAt: r.occurred_at,
    });
  }
  // Held badges are the badges module's answer; every learner of the course, scored or only enrolled.
  for (const held of await activeAwardsOf(db, [...byId.keys()])) byId.get(held.learnerId)?.badges.push({ achievementId: held.achievementId, validUntil: held.validUntil });
  return [...byId.values()];
}

export interface DryRunRow {
  learnerId: string;
  name: string | null;
  email: string | null;
  evaluation: Evaluation;
}

/** Who would earn a rule now, and why each learner would or would not (nothing is written). */
export async function dryRunRule<T>(db: Kysely<T>, props: { courseId: string; condition: RuleNode; now: Date; ruleId?: string }): Promise<{ wouldEarn: number; learners: DryRunRow[] }> {
  const rule = parseRule(props.condition, { id: props.ruleId ?? 'dry-run', version: 1 });
  const learners = (await loadCourseFacts(db, { courseId: props.courseId })).map((l) => ({
    learnerId: l.learnerId, name: l.name, email: l.email,
    evaluation: evaluate(rule, { now: props.now, scores: l.scores, badges: l.badges }),
  }));
  return { wouldEarn: learners.filter((l) => l.evaluation.award).length, learners };
}

/** Applies one achievement's rule to every learner of its course, awarding what is earned. */
export async function backfillAchievement(
  ctx: AppContext,
  props: { achievementId: string; now: Date; awarder?: Awarder; concurrency?: number; onProgress?: (progress: BackfillProgress) => Promise<void> },
): Promise<{ evaluated: number; earned: number; awarded: number }> {
  const achievement = await getAchievement({ db: ctx.database.db }, props.achievementId);
  if (achievement.status !== 'published' || achievement.rule === null) return { evaluated: 0, earned: 0, awarded: 0 };
  const rule = parseRule(achievement.rule, { id: achievement.id, version: achievement.rule_version });
  const learners = await loadCourseFacts(ctx.database.db, { courseId: achievement.course_id });
  const due = learners
    .filter((l) => !l.badges.some((b) => b.achievementId === achievement.id))
    .map((l) => ({ learner: l, evaluation: evaluate(rule, { now: props.now, scores: l.scores, badges: l.badges }) }))
    .filter((x) => x.evaluation.award);
  const awarder = props.awarder ?? defaultAwarder(ctx);
  let awarded = 0;
  let next = 0;
  let done = 0;
  let reported = 0;
  const report = async (force: boolean) => {
    // At most every 50 awards (and at the end): progress is a Redis write per report.
    if (!props.onProgress || (!force && done - reported < 50)) return;
    reported = done;
    await props.onProgress({ evaluated: learners.length, due: due.length, done, awarded });
  };
  await report(true);
  // Awards are separate transactions (exactly-once by the awards constraint); a few in parallel.
  await Promise.all(
    Array.from({ length: Math.min(props.concurrency ?? 8, due.length) }, async () => {
      while (next < due.length) {
        const { learner, evaluation } = due[next++]!;
        const met = evaluation.progress.filter((p) => p.kind === 'score' && p.unit === 'percent' && p.status === 'met');
        const { created } = await awarder({ achievementId: achievement.id, learnerId: learner.learnerId, score: met.length === 1 ? met[0]!.current : null, reason: evaluation.reason });
        if (created) awarded++;
        done++;
        await report(false);
      }
    }),
  );
  await report(true);
  return { evaluated: learners.length, earned: due.length, awarded };
}

/** What a running backfill reports: learners evaluated, awards due, how many of those are done and new. */
export interface BackfillProgress {
  evaluated: number;
  due: number;
  done: number;
  awarded: number;
}

export const backfillPayload = z.object({ achievementId: z.uuid() });

/** `events.backfill`: enqueue with jobId `backfill-<achievement id>-v<rule version>` when a rule is published or changed. */
export const backfillAchievementJob = defineJob<z.infer<typeof backfillPayload>>({
  name: 'events.backfill',
  queue: 'evaluate',
  // Minutes long on a large course: while it runs, notifications must not be held back.
  lane: 'background',
  schema: backfillPayload,
  async perform(payload, run) {
    return backfillAchievement(run.ctx, { achievementId: payload.achievementId, now: new Date(), onProgress: (p) => run.progress({ ...p }) });
  },
});
