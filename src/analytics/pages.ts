import type { AppContext } from '../context';
import { courseReport } from './report';
import { analyticsSection, type AnalyticsSectionView } from './view';

export type AnalyticsSection = AnalyticsSectionView | { available: false };

/**
 * The analytics section of an instructor page (views/partials/analytics-section.hbs). A failure here
 * must not take the page down with it: the section then says the numbers are unavailable.
 */
export async function instructorAnalytics(ctx: AppContext, props: { courseId: string; achievementId?: string; now: Date; badgeHref?: (id: string) => string }): Promise<AnalyticsSection> {
  try {
    const report = await courseReport(ctx.database.db, { courseId: props.courseId, achievementId: props.achievementId, now: props.now });
    return analyticsSection(report, { scope: props.achievementId ? 'badge' : 'course', badgeHref: props.badgeHref });
  } catch (error) {
    ctx.logger.warn({ err: error, courseId: props.courseId }, 'analytics: could not read the counters for an instructor page');
    return { available: false };
  }
}
