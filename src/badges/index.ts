// Badges: achievements, awards (exactly one active per achievement and learner), issued credentials.
export type { BadgeTables, BadgesDb, AlignmentValue, EvidenceValue, AwardStatus, AwardSource, AchievementStatus } from './tables';
export type { BadgesDeps } from './deps';
export type { CredentialPort, AwardFacts, SignedCredential, VerificationSummary, IssuerSummary, BadgeArt } from './port';
export { ruleSchema, alignmentSchema, imageSchema, createAchievementBody, type CreateAchievementBody, type RuleSpec, issueCredentialPayload, type IssueCredentialPayload } from './schema';
export { createAchievement, listAchievements, getAchievement, courseIdOf, type AchievementRow, type CreateAchievementProps } from './achievements';
export { activeAwardsOf, awardStatusForShare, awardBadge, awardBadges, revokeAward, expireAwards, effectiveStatus, getAward, listAwards, onAwardRevoked, type AwardRevokedHook, type AwardRow, type AwardListItem, type AwardBadgeProps, type RevokeAwardProps } from './awards';
export { issueCredential, findCredential, latestCredentialOf, type CredentialRow } from './issue';
export { awardManually, type ManualAwardProps } from './manual';
export { findAchievementInScope, listAchievementsInScope, listAwardsPage, findAwardInScope, awardManuallyInScope, revokeAwardInScope, type AwardPageFilter } from './scoped';
export { loadPublicCredential, type PublicCredential } from './public-credential';
export { learnerCredentials, type LearnerCredentialPage } from './learner-credentials';
export { badgesDepsFor, useCredentialPort } from './context';
export { createCredentialPort, credentialFacts } from './credentials-port';
export { issueCredentialJob, issueAwardCredential, ISSUE_CREDENTIAL_JOB } from './jobs/issue-credential';
export { achievementJson, awardJson } from './web/present';
export { achievementJsonSchema, awardJsonSchema } from './web/api-schema';
export { linkedInAddToProfile } from './linkedin';
export { runBadgesMaintenance, startBadgesMaintenance, type BadgesMaintenanceOptions } from './maintenance';
