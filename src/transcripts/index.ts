// Transcripts: Comprehensive Learner Record 2.0 for a learner (one course or all courses of an issuer)
// and per-course exports (JSON Lines of signed CLRs + CSV summary). Public face of the module.
export {
  buildClrCredential,
  CLR_CONTEXT,
  CLR_CREDENTIAL_SCHEMA,
  EXPIRED_TAG,
  type ClrFacts,
  type ClrBadge,
  type ClrCourse,
  type ClrCredential,
  type ClrOmissions,
  type BadgeStatus,
} from './clr';
export { createClrSigner, createProcessClrSigner, type ClrSigner, type SignedClr } from './signing';
export { createClrSignerPool, defaultSignThreads, type ClrSignerPool } from './sign-pool';
export { transcriptOptions, type TranscriptOptions } from './options';
export type { TranscriptsDeps } from './deps';
export { learnerClr, type LearnerClr, type LearnerClrProps } from './learner-clr';
export type { TranscriptTables, ExportStatus, ExportFile } from './tables';
export { exportCourse, EXPORT_FILES, type CourseExportProps, type CourseExportResult, type ExportProgress } from './export';
export { requestCourseExport, getExport, exportView, purgeExpiredExports, exportJobId, type ExportRow, type ExportView } from './exports';
export { exportCourseJob, performExportCourse, EXPORT_COURSE_JOB } from './jobs/export-course';
export { transcriptsDepsFor } from './context';
export { startTranscriptsMaintenance } from './maintenance';
