import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { projectRoot } from '../paths';
import { checkJson } from './hash';
import { FETCH_COMMAND, STANDARD_FILES, type StandardFile } from './manifest';

/** Where the cache lives unless STANDARDS_DIR says otherwise: `.data/standards` (a layer of the image). */
export const DEFAULT_STANDARDS_DIR = join(projectRoot, '.data', 'standards');

/** The cache directory of a configuration (`STANDARDS_DIR`, relative to the project, or the default). */
export function standardsDir(config: { STANDARDS_DIR?: string | undefined }): string {
  const dir = config.STANDARDS_DIR;
  if (!dir) return DEFAULT_STANDARDS_DIR;
  return isAbsolute(dir) ? dir : join(projectRoot, dir);
}

/** The parsed, hash-checked standards data. */
export interface StandardsData {
  /** JSON Schemas by `$id`. */
  schemas: ReadonlyMap<string, object>;
  /** JSON-LD contexts by URL (the CLR 2.0.1 context). */
  contexts: ReadonlyMap<string, object>;
}

export interface MissingStandard {
  file: string;
  path: string;
  reason: string;
}

/** What a process can rely on: the data, or exactly which file is missing or wrong and why. */
export type StandardsState =
  | { available: true; dir: string; data: StandardsData }
  | { available: false; dir: string; missing: MissingStandard[]; message: string };

/** Reads and checks one cached file against its pin. */
export function readCachedFile(dir: string, entry: StandardFile): { ok: true; value: object } | { ok: false; reason: string } {
  const path = join(dir, entry.file);
  if (!existsSync(path)) return { ok: false, reason: 'missing' };
  return checkJson(readFileSync(path, 'utf8'), entry.sha256);
}

const loaded = new Map<string, StandardsState>();

/**
 * The standards data in `dir`, every file checked against its pin; read once per directory and process
 * (a few hundred KB of JSON). Never fetches: `laurel standards fetch` fills the cache.
 */
export function loadStandards(dir: string): StandardsState {
  const hit = loaded.get(dir);
  if (hit) return hit;
  const schemas = new Map<string, object>();
  const contexts = new Map<string, object>();
  const missing: MissingStandard[] = [];
  for (const entry of STANDARD_FILES) {
    const result = readCachedFile(dir, entry);
    if (!result.ok) {
      missing.push({ file: entry.file, path: join(dir, entry.file), reason: result.reason });
      continue;
    }
    (entry.kind === 'schema' ? schemas : contexts).set(entry.url, result.value);
  }
  const state: StandardsState = missing.length
    ? { available: false, dir, missing, message: missingMessage(missing) }
    : { available: true, dir, data: { schemas, contexts } };
  loaded.set(dir, state);
  return state;
}

/** Forgets what was read (after `laurel standards fetch` in the same process, and in tests). */
export function forgetLoadedStandards(): void {
  loaded.clear();
}

/** One line: the first file missing or refused, how many more, and the command that fetches them. */
function missingMessage(missing: MissingStandard[]): string {
  const [first] = missing;
  const more = missing.length > 1 ? ` (and ${missing.length - 1} more standards file(s))` : '';
  return `Standards data missing: ${first!.path} is ${first!.reason === 'missing' ? 'missing' : `refused: ${first!.reason}`}${more}; run '${FETCH_COMMAND}' to fetch it`;
}
