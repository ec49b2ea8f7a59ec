// Analytics: per-badge and per-course counters (issued, viewed, downloaded, LinkedIn clicks, verified,
// status-list fetches), recorded cheaply and durably, shown as numbers and small SVG charts.
export { KINDS, RECORDED_KINDS, KIND_LABELS, type Kind, type RecordedKind, type Counts } from './model';
export { barChart, type BarChart, type BarChartProps } from './chart';
export { AnalyticsRecorder, type RecorderOptions } from './recorder';
export { courseReport, type CourseReport, type BadgeReport, type ReportProps } from './report';
export { analyticsRecorder, countCredentialView, countCredentialDownload, countVerification, countStatusListFetch, type AwardRef } from './hooks';
export { instructorAnalytics, type AnalyticsSection } from './pages';
export type { AnalyticsTables } from './tables';
