import { enroll, upsertManualLearner, type Learner } from '../courses';
import { getAchievement } from './achievements';
import { awardBadge, type AwardRow } from './awards';
import type { BadgesDeps } from './deps';
import type { EvidenceValue } from './tables';

export interface ManualAwardProps {
  achievementId: string;
  recipient: { email: string; name?: string };
  score?: number;
  evidence?: EvidenceValue[];
  visibility?: 'public' | 'private';
  actor: string;
}

/**
 * A manual award (admin API): the recipient becomes a learner of the achievement's course, the award
 * is created at most once, and signing is handed to the `issue` queue exactly like the automatic
 * pipeline does. `enqueueIssue` is idempotent per award (jobId = award id).
 */
export async function awardManually(
  deps: BadgesDeps,
  props: ManualAwardProps,
  enqueueIssue: (awardId: string) => Promise<void>,
): Promise<{ award: AwardRow; learner: Learner; created: boolean }> {
  const achievement = await getAchievement(deps, props.achievementId);
  const learner = await upsertManualLearner(deps.db, { email: props.recipient.email, name: props.recipient.name ?? null });
  await enroll(deps.db, { courseId: achievement.course_id, learnerId: learner.id, source: 'api' });
  const { award, created } = await awardBadge(deps, {
    achievementId: achievement.id,
    learnerId: learner.id,
    score: props.score ?? null,
    evidence: props.evidence ?? [],
    visibility: props.visibility,
    actor: props.actor,
    source: 'manual',
  });
  // Also on a repeat: an award whose job was lost (Redis down at the time) gets signed now.
  if (!award.credential_id && award.status === 'issued') await enqueueIssue(award.id);
  return { award, learner, created };
}
