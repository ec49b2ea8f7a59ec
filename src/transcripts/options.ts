import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import { projectRoot } from '../paths';
import { defaultSignThreads } from './sign-pool';

/**
 * Transcript settings, read from the environment once (they are not part of the shared config):
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

const envSchema = z.object({
  TRANSCRIPTS_EXPORT_DIR: z.string().min(1).optional(),
  TRANSCRIPTS_EXPORT_TTL_HOURS: z.coerce.number().positive().max(24 * 30, 'must be at most 720 hours').default(24),
  TRANSCRIPTS_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  TRANSCRIPTS_SIGN_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  CLR_CONTEXT_FILE: z.string().min(1).optional(),
});

export const DEFAULT_CLR_CONTEXT_FILE = join(projectRoot, '..', 'shared', 'spec', 'clr-v2p0', 'context', 'context-2.0.1.json');

let cached: TranscriptOptions | undefined;

/** Options from `env` (default `process.env`); fails fast with the variable's name. */
export function transcriptOptions(env: NodeJS.ProcessEnv = process.env): TranscriptOptions {
  if (env === process.env && cached) return cached;
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TypeError(`Invalid ${issue.path.join('.')}: ${issue.message}`);
  }
  const e = parsed.data;
  const dir = e.TRANSCRIPTS_EXPORT_DIR ?? join(projectRoot, '.data', 'exports');
  const options: TranscriptOptions = {
    exportDir: isAbsolute(dir) ? dir : join(projectRoot, dir),
    exportTtlHours: e.TRANSCRIPTS_EXPORT_TTL_HOURS,
    batchSize: e.TRANSCRIPTS_BATCH_SIZE,
    signThreads: e.TRANSCRIPTS_SIGN_THREADS ?? defaultSignThreads(),
    clrContext: loadClrContext(e.CLR_CONTEXT_FILE),
  };
  if (env === process.env) cached = options;
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
