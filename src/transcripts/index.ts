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
export { createClrSigner, type ClrSigner, type SignedClr } from './signing';
export { transcriptOptions, DEFAULT_CLR_CONTEXT_FILE, type TranscriptOptions } from './options';
export type { TranscriptsDeps } from './deps';
export { learnerClr, type LearnerClr, type LearnerClrProps } from './learner-clr';
export type { TranscriptTables, ExportStatus, ExportFile } from './tables';
