import { sql } from 'kysely';
import { achievementCourses, credentialAwardRefs } from '../badges';
import type { Logger } from '../log';
import { utcDay, type RecordedKind } from './model';
import type { AnalyticsDb } from './tables';

export interface RecorderOptions {
  db: AnalyticsDb;
  logger: Logger;
  /** Clock for the day a count lands on. Default `() => new Date()`. */
  now?: () => Date;
  /** How often buffered counts are written, in milliseconds. Default 2000. */
  flushIntervalMs?: number;
  /**
   * Most distinct counters (badge x day x kind) held between flushes. Beyond it new counters are
   * dropped and logged, so a database outage cannot grow memory without bound. Default 10,000.
   */
  maxKeys?: number;
}

/**
 * Records counters without ever failing or delaying the request that triggers them. Counts add up in
 * memory (a Map increment per event) and a timer writes them every couple of seconds, one
 * `INSERT ... ON CONFLICT DO UPDATE SET count = count + excluded.count` per table (after one read of
 * badges' achievements or credentials that attributes the counters). Why a buffer: one
 * upsert per event measured 4.5 ms of a pooled connection (mostly the commit's flush) and serialises
 * on the row lock of a popular badge, so a burst of downloads would compete with user requests for
 * the pool. Increments are additive, so any number of processes can flush into the same rows.
 * A failed flush keeps its counts for the next one; a crash loses at most one interval of counts.
 */
export class AnalyticsRecorder {
  private byBadge = new Map<string, number>();
  private byCredential = new Map<string, number>();
  private byList = new Map<string, number>();
  private readonly now: () => Date;
  private readonly maxKeys: number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private warnedFull = false;

  constructor(private readonly options: RecorderOptions) {
    this.now = options.now ?? (() => new Date());
    this.maxKeys = options.maxKeys ?? 10_000;
  }

  /** One event of a badge whose course and achievement the caller already knows. */
  count(props: { courseId: string; achievementId: string; kind: RecordedKind }): void {
    this.add(this.byBadge, [props.courseId, props.achievementId, utcDay(this.now()), props.kind].join('|'), 1);
  }

  /** One event naming only a credential id: attributed at flush time to its award's course and achievement, if ours. */
  countCredential(props: { credentialId: string; kind: RecordedKind }): void {
    this.add(this.byCredential, [props.credentialId, utcDay(this.now()), props.kind].join('|'), 1);
  }

  /** One fetch of a status list (an issuer's list, shared by every badge it signs). */
  countStatusList(props: { listId: string }): void {
    this.add(this.byList, [props.listId, utcDay(this.now())].join('|'), 1);
  }

  /** Writes everything buffered so far; resolves when written (or when the failure has been logged). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write()).catch((error: unknown) => this.options.logger.warn({ err: error }, 'analytics: flush failed'));
    return this.flushing;
  }

  /** Stops the timer after a last flush (process shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private add(map: Map<string, number>, key: string, n: number): void {
    if (!map.has(key) && this.size() >= this.maxKeys) {
      if (!this.warnedFull) this.options.logger.warn({ maxKeys: this.maxKeys }, 'analytics: buffer full (is the database down?), dropping new counters');
      this.warnedFull = true;
      return;
    }
    map.set(key, (map.get(key) ?? 0) + n);
    // unref: a pending flush never keeps a process (or a test run) alive.
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 2000).unref();
  }

  private size(): number {
    return this.byBadge.size + this.byCredential.size + this.byList.size;
  }

  private async write(): Promise<void> {
    const batches = [
      { map: this.byBadge, write: (rows: string[][], n: number[]) => this.writeBadges(rows, n), name: 'badge' },
      { map: this.byCredential, write: (rows: string[][], n: number[]) => this.writeCredentials(rows, n), name: 'credential' },
      { map: this.byList, write: (rows: string[][], n: number[]) => this.writeLists(rows, n), name: 'status list' },
    ];
    this.byBadge = new Map();
    this.byCredential = new Map();
    this.byList = new Map();
    this.warnedFull = false;
    for (const batch of batches) {
      if (batch.map.size === 0) continue;
      const keys = [...batch.map.keys()];
      try {
        await batch.write(keys.map((k) => k.split('|')), keys.map((k) => batch.map.get(k)!));
      } catch (error) {
        // Best effort by design: the requests were answered long ago. A data error (SQLSTATE class 22,
        // e.g. a malformed id) would fail every retry and block the counters beside it: drop those.
        const poison = String((error as { code?: unknown }).code ?? '').startsWith('22');
        this.options.logger.warn({ err: error, counters: keys.length }, `analytics: could not write ${batch.name} counters, ${poison ? 'dropped' : 'will retry'}`);
        if (poison) continue;
        const target = batch.name === 'badge' ? this.byBadge : batch.name === 'credential' ? this.byCredential : this.byList;
        for (const key of keys) this.add(target, key, batch.map.get(key)!);
      }
    }
  }

  // Counters whose badge (or credential) no longer exists are dropped here, instead of failing the
  // batch on a foreign key; badges answers which exist (a malformed id fails that read with a data
  // error, SQLSTATE 22P02, which drops the batch as the cast in the insert would). Grouping merges rows
  // that meet on one key (ON CONFLICT touches a row once).
  private async writeBadges(rows: string[][], counts: number[]): Promise<void> {
    const courseOf = await achievementCourses(this.options.db, rows.map((r) => r[1]!));
    const kept = rows.flatMap((r, i) => (courseOf.get(r[1]!.toLowerCase()) === r[0]!.toLowerCase() ? [{ row: r, n: counts[i]! }] : []));
    await this.upsertDaily(kept.map(({ row, n }) => ({ courseId: row[0]!, achievementId: row[1]!, day: row[2]!, kind: row[3]!, n })));
  }

  private async writeCredentials(rows: string[][], counts: number[]): Promise<void> {
    const refs = await credentialAwardRefs(this.options.db, rows.map((r) => r[0]!));
    await this.upsertDaily(rows.flatMap((r, i) => {
      const ref = refs.get(r[0]!.toLowerCase());
      return ref ? [{ courseId: ref.course_id, achievementId: ref.achievement_id, day: r[1]!, kind: r[2]!, n: counts[i]! }] : [];
    }));
  }

  private async upsertDaily(rows: Array<{ courseId: string; achievementId: string; day: string; kind: string; n: number }>): Promise<void> {
    if (rows.length === 0) return;
    await sql`
      insert into analytics_daily (course_id, achievement_id, day, kind, count)
      select v.course_id, v.achievement_id, v.day, v.kind, sum(v.n)
      from unnest(${rows.map((r) => r.courseId)}::uuid[], ${rows.map((r) => r.achievementId)}::uuid[], ${rows.map((r) => r.day)}::date[], ${rows.map((r) => r.kind)}::text[], ${rows.map((r) => r.n)}::bigint[])
        as v(course_id, achievement_id, day, kind, n)
      group by 1, 2, 3, 4
      on conflict (course_id, achievement_id, day, kind) do update set count = analytics_daily.count + excluded.count`.execute(this.options.db);
  }

  private async writeLists(rows: string[][], counts: number[]): Promise<void> {
    await sql`
      insert into analytics_status_list_daily (list_id, day, count)
      select v.list_id, v.day, v.n
      from unnest(${rows.map((r) => r[0])}::text[], ${rows.map((r) => r[1])}::date[], ${counts}::bigint[]) as v(list_id, day, n)
      on conflict (list_id, day) do update set count = analytics_status_list_daily.count + excluded.count`.execute(this.options.db);
  }
}
