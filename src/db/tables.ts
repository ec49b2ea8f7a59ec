import type { ColumnType, Generated } from 'kysely';

/**
 * Tables owned by the foundation. Feature modules describe their own tables and widen a handle with
 * `db.withTables<TheirTables>()`, so no shared file grows with every feature.
 */
export interface FoundationTables {
  schema_migrations: {
    name: string;
    applied_at: Generated<Date>;
  };
  api_tokens: {
    id: Generated<string>;
    name: string;
    token_prefix: string;
    token_hash: string;
    scopes: string[];
    platform_id: Generated<string | null>;
    created_at: Generated<Date>;
    last_used_at: Date | null;
    revoked_at: Date | null;
  };
  audit_log: {
    id: Generated<string>;
    at: Generated<Date>;
    actor: string;
    action: string;
    subject_type: string;
    subject_id: string | null;
    platform_id: string | null;
    course_id: string | null;
    details: ColumnType<Record<string, unknown>, string, string>;
  };
  dead_letters: {
    id: Generated<string>;
    queue: string;
    job_id: string;
    job_name: string;
    payload: ColumnType<unknown, string, string>;
    reason: string;
    attempts: number;
    failed_at: Generated<Date>;
    resolved_at: Date | null;
  };
}
