import { courseAchievementNames } from '../badges';
import { LaurelError } from '../errors';
import { dayWindow, emptyCounts, toSeries, type Counts, type Kind } from './model';
import { readCourseCounters } from './query';
import type { AnalyticsDb } from './tables';

export interface DailyPoint extends Record<Kind, number> {
  day: string;
}

export interface BadgeReport {
  id: string;
  name: string;
  /** Totals over the window. */
  totals: Counts;
  allTime: Counts;
  daily: DailyPoint[];
}

/** A course's analytics: what `GET /api/v1/courses/:courseId/analytics` answers and the pages draw. */
export interface CourseReport {
  courseId: string;
  from: string;
  to: string;
  days: number;
  totals: Counts;
  allTime: Counts;
  daily: DailyPoint[];
  achievements: BadgeReport[];
  /** Status lists are per issuer: these are the lists holding this course's credentials, shared with other courses. */
  statusLists: Array<{ id: string; recent: number; allTime: number }>;
}

export interface ReportProps {
  courseId: string;
  now: Date;
  /** Window length in days, ending today (UTC). Default 30. */
  days?: number;
  /** Only this badge (it must belong to the course). */
  achievementId?: string;
}

/** Reads and lays out one course's counters; throws ERR_NOT_FOUND for an unknown course or a badge of another course. */
export async function courseReport(db: AnalyticsDb, props: ReportProps): Promise<CourseReport> {
  const window = dayWindow(props.now, props.days ?? 30);
  const from = window[0]!;
  const achievements = await courseAchievementNames(db, props.courseId);
  if (!achievements) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  const badges = achievements.filter((a) => !props.achievementId || a.id === props.achievementId);
  if (props.achievementId && badges.length === 0) throw new LaurelError('ERR_NOT_FOUND', 'No badge of this course has this id.');

  const counters = await readCourseCounters(db, { courseId: props.courseId, from, achievementId: props.achievementId });
  const course = toSeries(counters.daily, window);
  const allTime = emptyCounts();
  for (const counts of counters.allTime.values()) for (const kind of Object.keys(counts) as Kind[]) allTime[kind] += counts[kind];
  allTime.statusList = counters.statusListAllTime;

  return {
    courseId: props.courseId,
    from,
    to: window[window.length - 1]!,
    days: window.length,
    totals: course.totals,
    allTime,
    daily: points(course.days, course.values),
    achievements: badges.map((badge) => {
      const series = toSeries(counters.daily.filter((d) => d.achievementId === badge.id), window);
      return { id: badge.id, name: badge.name, totals: series.totals, allTime: counters.allTime.get(badge.id) ?? emptyCounts(), daily: points(series.days, series.values) };
    }),
    statusLists: counters.statusLists,
  };
}

function points(days: readonly string[], values: Record<Kind, number[]>): DailyPoint[] {
  return days.map((day, i) => {
    const point = { day } as DailyPoint;
    for (const kind of Object.keys(values) as Kind[]) point[kind] = values[kind][i]!;
    return point;
  });
}
