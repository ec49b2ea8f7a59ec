import { issueCredentialJob } from '../badges';
import { backfillAchievementJob, evaluateBatchJob, evaluateEventJob, fetchMoodleGradesJob, importGradebookJob, pollAgsAllJob, pollAgsJob } from '../events';
import { rosterSyncAllJob, rosterSyncJob } from '../lti';
import type { JobDefinition } from '../queue';
import { reachJobs } from '../reach';
import { exportCourseJob } from '../transcripts';
import { subscriptions } from './subscribers';

/**
 * Every job type this codebase runs, in one explicit map (no discovery by file name).
 * Feature modules add their job definitions here.
 */
export const jobs: JobDefinition<any>[] = [
  issueCredentialJob,
  evaluateEventJob,
  evaluateBatchJob,
  backfillAchievementJob,
  pollAgsJob,
  pollAgsAllJob,
  importGradebookJob,
  fetchMoodleGradesJob,
  rosterSyncJob,
  rosterSyncAllJob,
  exportCourseJob,
  ...reachJobs,
  // Domain events: each event's dispatch job and every subscriber's own job (src/app/subscribers.ts).
  ...subscriptions.jobs(),
];
