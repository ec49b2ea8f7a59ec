import { isAbsolute, join } from 'node:path';
import type { Config } from '../config';
import { projectRoot } from '../paths';
import { CLR_CONTEXT_URL, loadStandards, standardsDir } from '../standards';
import { defaultSignThreads } from './sign-pool';

/**
 * Transcript settings, derived once per Config from its TRANSCRIPTS_* and STANDARDS_DIR values
 * (validated with the rest of the configuration at start-up):
 * - `TRANSCRIPTS_EXPORT_DIR`: where course exports are written. Default `<project>/.data/exports`.
 * - `TRANSCRIPTS_EXPORT_TTL_HOURS`: how long an export can be downloaded, then its files go. Default 24.
 * - `TRANSCRIPTS_BATCH_SIZE`: learners an export reads per keyset page. Default 50 (small pages die young).
 * - `TRANSCRIPTS_SIGN_THREADS`: worker threads that sign CLRs (0 = in the calling thread). Default: the
 *   number of cores minus one (at least 1, at most 4) in the compiled build; 0 under ts-jest (no .js
 *   worker entry point).
 * - the CLR 2.0.1 JSON-LD context comes from the standards data cache (`STANDARDS_DIR`, filled by
 *   `laurel standards fetch`; no npm package ships it, and contexts are never fetched at run time).
 *   Without it CLRs get a VC-JWT but no Data Integrity proof; production does not start without it.
 */
export interface TranscriptOptions {
  exportDir: string;
  exportTtlHours: number;
  batchSize: number;
  signThreads: number;
  /** The parsed CLR context, or undefined when none could be loaded. */
  clrContext: object | undefined;
}

const cache = new WeakMap<object, TranscriptOptions>();

type TranscriptSettings = Pick<Config, 'TRANSCRIPTS_EXPORT_DIR' | 'TRANSCRIPTS_EXPORT_TTL_HOURS' | 'TRANSCRIPTS_BATCH_SIZE' | 'TRANSCRIPTS_SIGN_THREADS' | 'STANDARDS_DIR'>;

/** The transcript options of this configuration. */
export function transcriptOptions(config: TranscriptSettings): TranscriptOptions {
  const hit = cache.get(config);
  if (hit) return hit;
  const dir = config.TRANSCRIPTS_EXPORT_DIR ?? join(projectRoot, '.data', 'exports');
  const options: TranscriptOptions = {
    exportDir: isAbsolute(dir) ? dir : join(projectRoot, dir),
    exportTtlHours: config.TRANSCRIPTS_EXPORT_TTL_HOURS,
    batchSize: config.TRANSCRIPTS_BATCH_SIZE,
    signThreads: config.TRANSCRIPTS_SIGN_THREADS ?? defaultSignThreads(),
    clrContext: clrContextOf(config),
  };
  cache.set(config, options);
  return options;
}

/** The CLR 2.0.1 context from the hash-checked standards cache, or undefined when it is not there. */
function clrContextOf(config: TranscriptSettings): object | undefined {
  const standards = loadStandards(standardsDir(config));
  return standards.available ? standards.data.contexts.get(CLR_CONTEXT_URL) : undefined;
}
