import { LaurelError, type FieldIssue } from '../../errors';

/** A delivery that is not a usable event: answered 400 and never stored. */
export function malformed(message: string, field?: string, issues: FieldIssue[] = []): LaurelError {
  return new LaurelError('ERR_EVENT_MALFORMED', message, { issues: field && !issues.length ? [{ field, message }] : issues });
}

/** RFC 3339 with or without a fraction (Canvas sends both) to a canonical ISO string. */
export function toIso(value: string): string {
  const ms = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(value) || Number.isNaN(ms)) {
    throw malformed(`Not an RFC 3339 timestamp: ${value.slice(0, 40)}`);
  }
  return new Date(ms).toISOString();
}
