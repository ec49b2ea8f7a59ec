import type { QueryExecutorProvider } from 'kysely';
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
 * What our queries run on: any Kysely instance (or transaction). Every statement is raw SQL, since
 * the counters are upserts and the reads join src/badges' credentials and awards (read-only).
 */
export type AnalyticsDb = QueryExecutorProvider;
