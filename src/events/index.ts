/**
 * Grade events: sources (Canvas Live Events, the Moodle plugin, the generic API), normalisation to
 * one ScoreEvent/AssignmentEvent, and the durable inbox.
 */
export {
  scoreEventSchema,
  assignmentEventSchema,
  normalisedEventSchema,
  type ScoreEvent,
  type AssignmentEvent,
  type NormalisedEvent,
  type ParseResult,
  type EventOrigin,
} from './model';
export { parseCanvasEvent } from './sources/canvas';
export { parseMoodleEvent, moodlePayloadSchema, type MoodlePayload } from './sources/moodle';
export { apiEventSchema, normaliseApiEvent, type ApiEventBody } from './sources/api';
export type { EventTables, EventsDb, EventSourceKind, ScoreEventStatus } from './tables';
export { createEventSource, listEventSources, requireEventSource, clearEventSourceCache, type EventSource, type CreateEventSourceProps } from './sources-store';
export { findEventSource, rotateSourceSecret, deleteEventSource, openSourceSecret, sealSourceSecret, sealPlaintextSecrets, setPlatformSourcesEnabled } from './sources-store';
// Event-source administration (audited), shared by the console (src/ui) and the admin API (./web).
export {
  createSourceAsAdmin, rotateSecretAsAdmin, deleteSourceAsAdmin, describeSource, listSourcesFor, requireSourceIn, subscribeCanvasSource, eventsPlatformHooks,
  type SourceScope, type SourceDescription, type SubscriptionOutcome,
} from './source-admin';
export { CANVAS_LIVE_EVENTS_JWKS_URL, sharedSecret, sourceHttpUrl, sourceName, type CreateSourceBody } from './source-schema';
export { storeEvent, getEvent, findStalledEvents, type ScoreEventRow, type StoreEventResult } from './inbox';
export { ingestCanvasDelivery, ingestMoodleDelivery, ingestApiEvent, inboxBatchStats, type IngestResult } from './ingest';
export { applyEvent, type ApplyOutcome } from './apply';
export { aliasesOf, evaluateLearner, loadFacts, UNSIGNED_AWARD_RETRY_MS, type Awarder, type AwardRequest, type IssueMode } from './evaluate-learner';
export { reevaluateAfterAward } from './badge-rules';
export { evaluateBatchJob, evaluateEventJob, enqueueEvaluation, EVALUATE_BATCH_JOB, EVALUATE_EVENT_JOB } from './jobs/evaluate';
export { processParkedEvents, sweepParkedEvents, startParkedEventsSweep } from './parked';
export { signMoodleBody, verifyMoodleSignature } from './verify/moodle-hmac';
export { verifyCanvasJwt, clearJwksCache, configureCanvasJwks } from './verify/canvas-jwt';
export { canvasIdCandidates } from './mapping';
export { relayStalledEvents, startEventRelay, type EventRelayOptions } from './relay';
export { dryRunRule, backfillAchievement, backfillAchievementJob, loadCourseFacts, type DryRunRow, type BackfillProgress } from './backfill';
export { subscribeLiveEvents, LIVE_EVENT_TYPES, DATA_SERVICES_SCOPES as CANVAS_DATA_SERVICES_SCOPES, type SubscriptionDeps, type SubscribeProps, type LiveEventsSubscription } from './canvas-subscription';
export { agsResultsToEvents, type AgsLineItem, type AgsResultRow } from './sources/ags';
export { pollCourseResults, pollAgsJob, pollAgsAllJob, schedulePolling, POLL_EVERY_MS, type AgsReader } from './poll-ags';
export { startEventsBackground } from './background';
export { gradebookToEvents, detectGradebookFormat, type GradebookFormat } from './sources/gradebook';
export { parseCsv } from './sources/csv';
export { importGradebook, importGradebookJob, findGradebookImport, MAX_GRADEBOOK_BYTES, type ImportResult } from './import-gradebook';
export { fetchMoodleGrades, fetchMoodleGradesNow, fetchMoodleGradesJob, findMoodleExportTarget, lastGradeFetch, moodleExportRequest, readMoodleExportAnswer, MOODLE_EXPORT_PATH, MOODLE_EXPORT_SCHEMA, type FetchGradesResult, type MoodleExportTarget } from './moodle-export';
export { settleLaunch, eventsLtiHooks, FIRST_LAUNCH_FETCH_BUDGET_MS, type SettleResult } from './launch-settle';
