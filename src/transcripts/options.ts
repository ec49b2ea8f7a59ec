import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Config } from '../config';
import { projectRoot } from '../paths';
import { defaultSignThreads } from './sign-pool';

/**
 * Transcript settings, derived once per Config from its TRANSCRIPTS_* and CLR_CONTEXT_FILE values
 * (validated with the rest of the configuration at start-up):
 * - `TRANSCRIPTS_EXPORT_DIR`: where course exports are written. Default `<project>/.data/exports`.
 * - `TRANSCRIPTS_EXPORT_TTL_HOURS`: how long an export can be downloaded, then its files go. Default 24.
 * - `TRANSCRIPTS_BATCH_SIZE`: learners read and signed per batch by an export. Default 200.
 * - `TRANSCRIPTS_SIGN_THREADS`: worker threads that sign CLRs (0 = in the calling thread). Default: the
 *   number of cores, at most 4, in the compiled build; 0 under ts-jest (no .js worker entry point).
 * - `CLR_CONTEXT_FILE`: the CLR 2.0.1 JSON-LD context (no npm package ships it, and contexts are never
 *   fetched from the network). CLRs are signed only when it is available. Default: the 1EdTech copy in
 *   `../shared/spec/clr-v2p0/context/context-2.0.1.json` next to the project, when present.
 */
export interface TranscriptOptions {
  exportDir: string;
  exportTtlHours: number;
  batchSize: number;
  signThreads: number;
  /** The parsed CLR context, or undefined when none could be loaded. */
  clrContext: object | undefined;
}

export const DEFAULT_CLR_CONTEXT_FILE = join(projectRoot, '..', 'shared', 'spec', 'clr-v2p0', 'context', 'context-2.0.1.json');

const cache = new WeakMap<object, TranscriptOptions>();

type TranscriptSettings = Pick<Config, 'TRANSCRIPTS_EXPORT_DIR' | 'TRANSCRIPTS_EXPORT_TTL_HOURS' | 'TRANSCRIPTS_BATCH_SIZE' | 'TRANSCRIPTS_SIGN_THREADS' | 'CLR_CONTEXT_FILE'>;

/** The transcript options of this configuration; a CLR_CONTEXT_FILE that is not a context throws, naming it. */
export function transcriptOptions(config: TranscriptSettings): TranscriptOptions {
  const hit = cache.get(config);
  if (hit) return hit;
  const dir = config.TRANSCRIPTS_EXPORT_DIR ?? join(projectRoot, '.data', 'exports');
  const options: TranscriptOptions = {
    exportDir: isAbsolute(dir) ? dir : join(projectRoot, dir),
    exportTtlHours: config.TRANSCRIPTS_EXPORT_TTL_HOURS,
    batchSize: config.TRANSCRIPTS_BATCH_SIZE,
    signThreads: config.TRANSCRIPTS_SIGN_THREADS ?? defaultSignThreads(),
    clrContext: loadClrContext(config.CLR_CONTEXT_FILE),
  };
  cache.set(config, options);
  return options;
}

function loadClrContext(file: string | undefined): object | undefined {
  const path = file ?? DEFAULT_CLR_CONTEXT_FILE;
  if (!existsSync(path)) {
    if (file) throw new TypeError(`Invalid CLR_CONTEXT_FILE: ${file} does not exist`);
    return undefined;
  }
  const context = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!context || typeof context !== 'object' || !('@context' in context)) {
    throw new TypeError(`Invalid CLR_CONTEXT_FILE: ${path} is not a JSON-LD context`);
  }
  return context;
}
