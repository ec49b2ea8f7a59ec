// Publishing: the use-cases behind the instructor and learner course pages (dry run, publish with a
// version bump and an audit entry, backfill, manual awards from the roster, visibility) and their read models.
export { dryRunAchievement, publishAchievement, archiveAchievement, rerunBackfill, awardToRosterLearner, setAwardVisibility, type DryRunResult, type PublishProps } from './publish';
export { courseBadgeCounts, learnerBadges, type BadgeCounts, type EarnedBadge, type PendingBadge } from './overview';
export { updateAchievement, type BadgeChanges } from './edit';
export {
  listTierGroups, tierGroupOf, validateTiers, createTieredBadge, saveTieredBadge, dryRunTierGroup, publishTierGroup, tierAchievementName,
  type TierGroup, type TierMember, type TierBadgeBase, type TierInput, type TierDryRun,
} from './tiers';
export {
  createBadge, editBadge, publishBadge, archiveBadge, dryRunBadge, startBackfill, backfillStatus, badgeTiers, saveBadgeTiers, publishBadgeTiers, dryRunBadgeTiers,
  type BadgePatch, type BackfillStatus,
} from './scoped';
