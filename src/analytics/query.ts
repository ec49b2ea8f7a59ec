import { sql } from 'kysely';
import { issuedCredentialCounts, statusListsOfCourse } from '../badges';
import { emptyCounts, type Counts, type DayCount, type Kind, type RecordedKind } from './model';
import type { AnalyticsDb } from './tables';

export interface CourseCounters {
  /** Day rows from `from` on (inclusive): per achievement, plus status-list rows with no achievement. */
  daily: Array<DayCount & { achievementId: string | null }>;
  /** All-time totals per achievement (`issued` and the recorded kinds). */
  allTime: Map<string, Counts>;
  /** All-time status-list fetches of the lists holding this course's credentials. */
  statusListAllTime: number;
  /** Those lists, with their fetches since `from`. */
  statusLists: Array<{ id: string; recent: number; allTime: number }>;
}

const KIND_OF: Record<RecordedKind, Kind> = { notified: 'notified', opened: 'opened', viewed: 'viewed', downloaded: 'downloaded', linkedin: 'linkedin', verified: 'verified' };

/**
 * Every counter of one course, each read scoped by `course_id` (a course never sees another's
 * numbers). `issued` comes from credentials.issued_at (exact, nothing to record: badges counts them);
 * status-list fetches are those of the lists that hold at least one credential of the course (badges
 * names those lists).
 */
export async function readCourseCounters(db: AnalyticsDb, props: { courseId: string; from: string; achievementId?: string | undefined }): Promise<CourseCounters> {
  const { courseId, from } = props;
  const onlyAchievementD = props.achievementId ? sql`and d.achievement_id = ${props.achievementId}` : sql``;
  const [recorded, issued, lists] = await Promise.all([
    sql<{ achievement_id: string; day: string | null; kind: RecordedKind; count: string }>`
      select d.achievement_id, case when d.day >= ${from}::date then to_char(d.day, 'YYYY-MM-DD') end as day, d.kind, sum(d.count)::text as count
      from analytics_daily d
      where d.course_id = ${courseId} ${onlyAchievementD}
      group by 1, 2, 3`.execute(db),
    issuedCredentialCounts(db, { courseId, from, achievementId: props.achievementId }),
    statusListFetches(db, { courseId, from, achievementId: props.achievementId }),
  ]);

  const daily: CourseCounters['daily'] = [];
  const allTime = new Map<string, Counts>();
  const bump = (achievementId: string, kind: Kind, day: string | null, count: number) => {
    const totals = allTime.get(achievementId) ?? emptyCounts();
    totals[kind] += count;
    allTime.set(achievementId, totals);
    if (day) daily.push({ achievementId, day, kind, count });
  };
  for (const row of recorded.rows) bump(row.achievement_id, KIND_OF[row.kind], row.day, Number(row.count));
  for (const row of issued) bump(row.achievement_id, 'issued', row.day, row.count);

  const byList = new Map<string, { id: string; recent: number; allTime: number }>();
  let statusListAllTime = 0;
  for (const row of lists) {
    const count = Number(row.count);
    const list = byList.get(row.list_id) ?? { id: row.list_id, recent: 0, allTime: 0 };
    list.allTime += count;
    statusListAllTime += count;
    if (row.day) {
      list.recent += count;
      daily.push({ achievementId: null, day: row.day, kind: 'statusList', count });
    }
    byList.set(row.list_id, list);
  }
  return { daily, allTime, statusListAllTime, statusLists: [...byList.values()].sort((a, b) => a.id.localeCompare(b.id)) };
}

/** Fetches per day of the status lists holding the course's credentials. */
async function statusListFetches(db: AnalyticsDb, props: { courseId: string; from: string; achievementId?: string | undefined }) {
  const listIds = await statusListsOfCourse(db, { courseId: props.courseId, achievementId: props.achievementId });
  if (listIds.length === 0) return [];
  const { rows } = await sql<{ list_id: string; day: string | null; count: string }>`
    select s.list_id, case when s.day >= ${props.from}::date then to_char(s.day, 'YYYY-MM-DD') end as day, sum(s.count)::text as count
    from analytics_status_list_daily s
    where s.list_id = any(${listIds}::text[])
    group by 1, 2`.execute(db);
  return rows;
}
