import { issueCredentialJob } from '../badges';
import { afterIssueJob, backfillAchievementJob, evaluateBatchJob, evaluateEventJob, fetchMoodleGradesJob, importGradebookJob, pollAgsAllJob, pollAgsJob } from '../events';
import { rosterSyncAllJob, rosterSyncJob } from '../lti';
import type { JobDefinition } from '../queue';
import { reachJobs } from '../reach';
import { exportCourseJob } from '../transcripts';

/**
 * Every job type this codebase runs, in one explicit map (no discovery by file name).
 * Feature modules add their job definitions here.
 */
export const jobs: JobDefinition<any>[] = [
  issueCredentialJob,
  evaluateEventJob,
  evaluateBatchJob,
  afterIssueJob,
  backfillAchievementJob,
  pollAgsJob,
  pollAgsAllJob,
  importGradebookJob,
  fetchMoodleGradesJob,
  rosterSyncJob,
  rosterSyncAllJob,
  exportCourseJob,
  ...reachJobs,
];
