import type { ColumnType, Generated } from 'kysely';
import type { CourseTables } from '../courses';

type Json<T> = ColumnType<T, string, string>;
type Numeric = ColumnType<string | null, number | string | null, number | string | null>;

export type EventSourceKind = 'canvas' | 'moodle' | 'webhook' | 'poller';
export type ScoreEventStatus = 'pending' | 'parked' | 'processed' | 'failed';

export interface EventTables {
  event_sources: {
    id: Generated<string>;
    kind: EventSourceKind;
    name: Generated<string>;
    platform_id: string | null;
    secret: string | null;
    jwks_url: string | null;
    allow_unsigned: Generated<boolean>;
    enabled: Generated<boolean>;
    last_event_at: Date | null;
    last_error: string | null;
    last_error_at: Date | null;
    created_at: Generated<Date>;
    updated_at: Generated<Date>;
  };
  score_events: {
    id: Generated<string>;
    scope: string;
    external_id: string;
    source_id: string | null;
    origin: string;
    kind: 'score' | 'assignment';
    platform_id: string | null;
    course_id: string | null;
    learner_id: string | null;
    lms_course_id: string | null;
    lms_user_id: string | null;
    occurred_at: Date;
    received_at: Generated<Date>;
    payload: Json<unknown>;
    status: Generated<ScoreEventStatus>;
    processed_at: Date | null;
    attempts: Generated<number>;
    error: string | null;
  };
  learner_scores: {
    course_id: string;
    learner_id: string;
    assignment_id: string;
    score_given: Numeric;
    score_maximum: Numeric;
    excused: Generated<boolean>;
    missing: Generated<boolean>;
    occurred_at: Date;
    event_id: string | null;
    updated_at: Generated<Date>;
  };
}

/** What the events module reads and writes: its own tables plus the course tables it maps onto. */
export type EventsDb = EventTables & CourseTables;
