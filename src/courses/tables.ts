import type { ColumnType, Generated } from 'kysely';

type Timestamps = { created_at: Generated<Date>; updated_at: Generated<Date> };
type Json<T> = ColumnType<T, string | undefined, string>;

export type Lms = 'canvas' | 'moodle' | 'other';

export interface CourseTables {
  platforms: Timestamps & {
    id: Generated<string>;
    issuer: string;
    client_id: string;
    name: string;
    lms: Generated<Lms>;
    auth_endpoint: string;
    token_endpoint: string;
    jwks_url: string;
    status: Generated<'pending' | 'active' | 'disabled'>;
    registration: Json<Record<string, unknown>>;
  };
  deployments: {
    id: Generated<string>;
    platform_id: string;
    deployment_id: string;
    created_at: Generated<Date>;
  };
  courses: Timestamps & {
    id: Generated<string>;
    platform_id: string | null;
    deployment_id: string | null;
    context_id: string | null;
    external_id: string | null;
    title: string;
    label: string | null;
    lms_course_id: string | null;
    ags_lineitems_url: string | null;
    nrps_url: string | null;
    roster_synced_at: Date | null;
  };
  learners: Timestamps & {
    id: Generated<string>;
    platform_id: string | null;
    lti_user_id: string | null;
    lms_user_id: string | null;
    email: string | null;
    name: string | null;
  };
  enrollments: {
    course_id: string;
    learner_id: string;
    roles: Generated<string[]>;
    status: Generated<'active' | 'inactive' | 'deleted'>;
    source: Generated<'launch' | 'roster' | 'api' | 'event'>;
    updated_at: Generated<Date>;
  };
  assignments: Timestamps & {
    id: Generated<string>;
    course_id: string;
    source_key: string;
    name: string;
    points_possible: ColumnType<string | null, number | string | null, number | string | null>;
    due_at: Date | null;
    deleted_at: Date | null;
  };
}
