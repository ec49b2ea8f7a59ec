import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { projectRoot } from '../paths';
import { readCachedFile, forgetLoadedStandards } from './cache';
import { checkJson } from './hash';
import { STANDARD_FILES, type StandardFile } from './manifest';

/** The 1EdTech spec tree beside the project, used when the canonical URLs cannot be reached (CI). */
export const DEFAULT_OFFLINE_DIR = join(projectRoot, '..', 'shared', 'spec');

export interface FetchStandardsOptions {
  /** The cache directory to fill. */
  dir: string;
  /** A 1EdTech spec tree to copy from when the network fails; undefined = none. */
  offlineDir?: string;
  /**
   * Per-request time limit. Default 4000 ms: where the network is blocked (CI, this build machine)
   * set-up must fall back within seconds, not wait for TCP timeouts.
   */
  timeoutMs?: number;
  /** Injected in tests. Default: global fetch. */
  fetch?: typeof fetch;
}

export interface FetchOutcome {
  file: string;
  ok: boolean;
  source: 'cache' | 'network' | 'offline' | 'none';
  /** What happened, for the operator (URL, fallback reason, or why the file is still missing). */
  detail: string;
}

/**
 * Fills the cache: a file already cached with the right hash is kept; otherwise it is fetched from its
 * canonical URL and, when that fails or the hash does not match, copied from `offlineDir`. Only a file
 * matching its pin is ever written (atomically: write then rename, so readers never see half a file).
 */
export async function fetchStandards(options: FetchStandardsOptions): Promise<FetchOutcome[]> {
  mkdirSync(options.dir, { recursive: true });
  const outcomes = await Promise.all(STANDARD_FILES.map((entry) => fetchOne(entry, options)));
  forgetLoadedStandards();
  return outcomes;
}

async function fetchOne(entry: StandardFile, options: FetchStandardsOptions): Promise<FetchOutcome> {
  if (readCachedFile(options.dir, entry).ok) return { file: entry.file, ok: true, source: 'cache', detail: `already cached in ${options.dir}` };
  const remote = await download(entry, options);
  if (remote.ok) {
    store(options.dir, entry, remote.text);
    return { file: entry.file, ok: true, source: 'network', detail: `fetched from ${entry.url}` };
  }
  const offlinePath = options.offlineDir ? join(options.offlineDir, entry.offlinePath) : undefined;
  if (offlinePath && existsSync(offlinePath)) {
    const text = readFileSync(offlinePath, 'utf8');
    const checked = checkJson(text, entry.sha256);
    if (checked.ok) {
      store(options.dir, entry, text);
      return { file: entry.file, ok: true, source: 'offline', detail: `copied from ${offlinePath} (${entry.url}: ${remote.reason})` };
    }
    return { file: entry.file, ok: false, source: 'none', detail: `${entry.url}: ${remote.reason}; ${offlinePath}: ${checked.reason}` };
  }
  const offline = offlinePath ? `; no offline copy at ${offlinePath}` : '';
  return { file: entry.file, ok: false, source: 'none', detail: `${entry.url}: ${remote.reason}${offline}` };
}

async function download(entry: StandardFile, options: FetchStandardsOptions): Promise<{ ok: true; text: string } | { ok: false; reason: string }> {
  const get = options.fetch ?? fetch;
  try {
    const response = await get(entry.url, { signal: AbortSignal.timeout(options.timeoutMs ?? 4000), headers: { Accept: 'application/json, application/ld+json, application/schema+json' }, redirect: 'follow' });
    if (!response.ok) return { ok: false, reason: `HTTP ${response.status}` };
    const text = await response.text();
    const checked = checkJson(text, entry.sha256);
    return checked.ok ? { ok: true, text } : { ok: false, reason: `refused: ${checked.reason}` };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    const name = (error as Error).name;
    return { ok: false, reason: name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 4000} ms` : `unreachable (${cause ?? (error as Error).message})` };
  }
}

function store(dir: string, entry: StandardFile, text: string): void {
  const path = join(dir, entry.file);
  const temporary = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
