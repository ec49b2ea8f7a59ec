import type { Kysely } from 'kysely';
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
 * Appends several entries in one statement (a batch of awards, say); call inside the transaction of
 * the changes they record. Rows are written in the order given; an empty list writes nothing.
 */
export async function auditMany<T>(db: Kysely<T>, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await asTables<FoundationTables>(db).insertInto('audit_log').values(entries.map(auditRow)).execute();
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
