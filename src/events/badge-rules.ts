import { getAward, listAchievements } from '../badges';
import type { AppContext } from '../context';
import { rulesReadingBadge } from '../rules';
import { evaluateLearner, ruleOf } from './evaluate-learner';

/**
 * "Badges from badges": after an award is made, the learner's rules are evaluated again when another
 * published rule of the course reads that achievement. Rule-made awards already chain within one
 * evaluation; this is what makes manual and imported awards (and awards made before a rule was
 * published) count. The composition root subscribes it to `award.made`; awards are exactly-once,
 * so a repeated delivery awards nothing twice.
 */
export async function reevaluateAfterAward(ctx: AppContext, props: { awardId: string; achievementId: string; courseId: string; learnerId: string }): Promise<{ skipped: string } | { awarded: string[] }> {
  const db = ctx.database.db;
  // Which rules read the badge is the rules module's answer, from the structured rules.
  const published = (await listAchievements({ db }, { courseId: props.courseId })).filter((a) => a.status === 'published' && a.rule !== null);
  const readers = rulesReadingBadge(published.map((a) => ({ achievementId: a.id, condition: ruleOf(a).condition })), props.achievementId);
  if (readers.length === 0) return { skipped: 'no published rule reads this badge' };
  const award = await getAward({ db }, props.awardId);
  if (award.status === 'revoked') return { skipped: 'revoked' };
  const result = await evaluateLearner(ctx, { courseId: props.courseId, learnerId: props.learnerId, now: new Date(), issue: 'inline' });
  return { awarded: result.awarded };
}
