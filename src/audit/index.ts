import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { FoundationTables } from '../db';
import { asTables } from '../db';

export interface AuditEntry {
  /** Who: `lti:<learner id>`, `token:<token name>`, `cli`, `system`. */
  actor: string;
  /** What, as a dotted verb: `rule.published`, `award.revoked`, `keys.rotated`, ... */
  action: string;
  subjectType: string;
  subjectId?: string | null;
  platformId?: string | null;
  courseId?: string | null;
  details?: Record<string, unknown>;
}

/** Appends to the audit log; call inside the transaction of the change it records. */
export async function audit<T>(db: Kysely<T>, entry: AuditEntry): Promise<void> {
  await asTables<FoundationTables>(db).insertInto('audit_log').values(auditRow(entry)).execute();
}

/**
 * The audit insert as one part of a caller's statement (a data-modifying CTE), for a change whose own
 * insert returns the rows to record, so entry and change take one round trip. `entries` is a select
 * naming the columns `actor, action, subject_type, subject_id, platform_id, course_id, details` (jsonb),
 * in any order; this module keeps the table and its column list.
 */
export function auditInsertFrom(entries: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`insert into audit_log (actor, action, subject_type, subject_id, platform_id, course_id, details)
    select entry.actor, entry.action, entry.subject_type, entry.subject_id, entry.platform_id, entry.course_id, entry.details from (${entries}) as entry`;
}

function auditRow(entry: AuditEntry) {
  return {
    actor: entry.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId ?? null,
    platform_id: entry.platformId ?? null,
    course_id: entry.courseId ?? null,
    details: JSON.stringify(entry.details ?? {}),
  };
}

export async function listAudit<T>(db: Kysely<T>, filter: { courseId?: string; platformId?: string; limit?: number } = {}) {
  let query = asTables<FoundationTables>(db).selectFrom('audit_log').selectAll().orderBy('at', 'desc').limit(filter.limit ?? 100);
  if (filter.courseId) query = query.where('course_id', '=', filter.courseId);
  if (filter.platformId) query = query.where('platform_id', '=', filter.platformId);
  return query.execute();
}
