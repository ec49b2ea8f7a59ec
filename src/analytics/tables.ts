import type { AnyDb } from '../db';
import type { RecordedKind } from './model';

/** Tables owned by src/analytics (migrations/500_analytics.sql). */
export interface AnalyticsTables {
  analytics_daily: {
    course_id: string;
    achievement_id: string;
    /** A DATE, written as YYYY-MM-DD. */
    day: string;
    kind: RecordedKind;
    count: string;
  };
  analytics_status_list_daily: {
    list_id: string;
    day: string;
    count: string;
  };
}

/**
 * What our queries run on: any Kysely handle (pool or transaction). Analytics' own statements are raw
 * SQL on its tables (the counters are upserts); what it needs of badges' awards, credentials and
 * achievements it asks src/badges for (issuedCredentialCounts, statusListsOfCourse, ...).
 */
export type AnalyticsDb = AnyDb;
