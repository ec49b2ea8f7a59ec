// Public face of the LTI 1.3 platform emulator (see README.md in this folder).
export { startPlatform } from './platform';
export type { Platform } from './api';
export { browse, runLaunch, CookieJar, type BrowseOptions, type BrowseResult, type Step } from './http-client';
export { CLAIM } from './claims';
export { SCOPES, ALL_SCOPES } from './profile';
export { MEDIA } from './service';
export { DEMO } from './ui';
export type { ServiceRequest } from './state';
export { DATA_SERVICES_SCOPES, LIVE_EVENTS_ISSUER, type DataServiceSubscription, type Delivery } from './data-services';
export type * from './types';
export { exportPage, phpJson, MOODLE_RELEASE, type MoodleGradeItem, type MoodleGrade, type MoodlePluginConfig } from './moodle-plugin';
