// LTI 1.3: sessions, roles, AGS/NRPS clients, platforms and registration. The HTTP adapter (launch,
// login, registration, pages) is `./web`, mounted by src/app.
export { requireCourseRole, signedInPerson, type LtiSession } from './session';
export { requirePerson, type PersonSession } from './person-session';
export { courseRoles, landingRole, type CourseRole } from './roles';
export { AgsClient, servicePath, type LineItem, type AgsResult, type NewLineItem, type ScoreProps } from './ags';
export { syncRoster, membershipPages, type Member, type RosterSyncResult } from './nrps';
export { backgroundServiceClients, clearServiceTokenCaches, serviceClients, userAgentOf, type ServiceClients, type ServiceDeps } from './services';
export { platformHttp, parseLinks, retryAfterMs, type PlatformHttp } from './http';
export { registerPlatform, listPlatforms, removePlatform, setPlatformStatus, activatePlatform, type PlatformRegistrationProps, type PlatformListing, type PlatformRegistry } from './platforms';
export { decommissionPlatform, toolUrlsOf, type PlatformRemovalHooks, type ToolUrls } from './platform-admin';
export { registrationUrl, registrationKeyAccepted, checkPlatformUrl, checkIssuerHost, type RegistrationPolicy } from './registration-gate';
export { createProvider, toolKeys, ltijsEncryptionKey } from './provider';
export { PgLtiStore, type LtiStoreTtl } from './storage';
export { registrationRequest, canvasJsonConfiguration, customParameters, SCOPES, CANVAS_DATA_SERVICES_SCOPES, PLACEMENT_TARGETS } from './tool-config';
export { rosterSyncJob, rosterSyncAllJob, scheduleRosterSync, startLtiBackground, ROSTER_SYNC_JOB, ROSTER_SYNC_ALL_JOB, type RosterSyncPayload } from './jobs/roster-sync';
export type { LtiHooks, LtiOptions } from './runtime';
export type { LaunchOutcome } from './launch';
export { courseLineItemUrl } from './resource-links';

export type { LtiContext, LtiHandle } from './web';
