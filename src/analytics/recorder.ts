import { sql } from 'kysely';
import type { Logger } from '../log';
import { utcDay, type RecordedKind } from './model';
import type { AnalyticsDb } from './tables';

export interface RecorderOptions {
  db: AnalyticsDb;
  logger: Logger;
  /** Clock for the day a count lands on. Default `() => new Date()`. */
  now?: () => Date;
  /**
   * Most increments in flight at once. Beyond it counts are dropped (and logged once per burst), so a
   * slow or unreachable database never piles up work behind user requests. Default 500.
   */
  maxInFlight?: number;
}

/**
 * Records counters without ever failing or delaying the request that triggers them: each increment
 * is one `INSERT ... ON CONFLICT DO UPDATE` started in the background; errors are logged and dropped.
 * One statement per event (no buffer): measured below a millisecond on the local database, and the
 * request does not wait for it. `idle()` lets tests and shutdown wait for the increments in flight.
 */
export class AnalyticsRecorder {
  private readonly pending = new Set<Promise<void>>();
  private readonly now: () => Date;
  private readonly maxInFlight: number;
  private dropping = false;

  constructor(private readonly options: RecorderOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxInFlight = options.maxInFlight ?? 500;
  }

  /** One event of a badge whose course and achievement the caller already knows. */
  count(props: { courseId: string; achievementId: string; kind: RecordedKind }): void {
    const day = utcDay(this.now());
    this.run(props, sql`
      insert into analytics_daily (course_id, achievement_id, day, kind, count)
      values (${props.courseId}, ${props.achievementId}, ${day}, ${props.kind}, 1)
      on conflict (course_id, achievement_id, day, kind) do update set count = analytics_daily.count + 1`);
  }

  /** One event naming only a credential id: attributed to its award's course and achievement, if ours. */
  countCredential(props: { credentialId: string; kind: RecordedKind }): void {
    const day = utcDay(this.now());
    this.run(props, sql`
      insert into analytics_daily (course_id, achievement_id, day, kind, count)
      select a.course_id, a.achievement_id, ${day}, ${props.kind}, 1
      from credentials c join awards a on a.id = c.award_id
      where c.id = ${props.credentialId}
      on conflict (course_id, achievement_id, day, kind) do update set count = analytics_daily.count + 1`);
  }

  /** One fetch of a status list (an issuer's list, shared by every badge it signs). */
  countStatusList(props: { listId: string }): void {
    const day = utcDay(this.now());
    this.run(props, sql`
      insert into analytics_status_list_daily (list_id, day, count) values (${props.listId}, ${day}, 1)
      on conflict (list_id, day) do update set count = analytics_status_list_daily.count + 1`);
  }

  /** Resolves when every increment started so far has finished (successfully or not). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  private run(what: object, query: ReturnType<typeof sql>): void {
    if (this.pending.size >= this.maxInFlight) {
      if (!this.dropping) this.options.logger.warn({ inFlight: this.pending.size }, 'analytics: too many counts in flight, dropping until the database catches up');
      this.dropping = true;
      return;
    }
    this.dropping = false;
    const work = query
      .execute(this.options.db)
      .then(() => undefined)
      .catch((error: unknown) => {
        // Analytics are best-effort by design: the user's request has already been answered.
        this.options.logger.warn({ err: error, ...what }, 'analytics: could not record a count');
      })
      .finally(() => this.pending.delete(work));
    this.pending.add(work);
  }
}
