// Badges: achievements, awards (exactly one active per achievement and learner), issued credentials.
export type { BadgeTables, BadgesDb, AlignmentValue, EvidenceValue, AwardStatus, AwardSource, AchievementStatus } from './tables';
export type { BadgesDeps } from './deps';
export type { CredentialPort, AwardFacts, SignedCredential, VerificationSummary, IssuerSummary, BadgeArt } from './port';
export { ruleSchema, type RuleSpec, issueCredentialPayload, type IssueCredentialPayload, AFTER_ISSUE_JOB, afterIssuePayload, type AfterIssuePayload } from './schema';
export { createAchievement, listAchievements, getAchievement, type AchievementRow, type CreateAchievementProps } from './achievements';
export { activeAwardsOf, awardBadge, revokeAward, expireAwards, effectiveStatus, getAward, listAwards, type AwardRow, type AwardListItem, type AwardBadgeProps, type RevokeAwardProps } from './awards';
export { issueCredential, findCredential, latestCredentialOf, type CredentialRow } from './issue';
export { awardManually, type ManualAwardProps } from './manual';
export { loadPublicCredential, type PublicCredential } from './public-credential';
export { badgesDepsFor, useCredentialPort } from './context';
export { createCredentialPort, credentialFacts } from './credentials-port';
export { issueCredentialJob, ISSUE_CREDENTIAL_JOB } from './jobs/issue-credential';
export { createBadgesApiRouter } from './web/api';
export { createPublicBadgesRouter } from './web/public';
export { linkedInAddToProfile } from './web/page';
export { runBadgesMaintenance, startBadgesMaintenance, type BadgesMaintenanceOptions } from './maintenance';
