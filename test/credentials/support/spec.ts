import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../../src/paths';

/** The official OB 3.0 / CLR 2.0 / W3C files, read in place from ../shared/spec (never copied). */
export const specRoot = join(projectRoot, '..', 'shared', 'spec');
export const hasSpec = existsSync(join(specRoot, 'ob-v3p0'));

export function readSpecJson<T = Record<string, unknown>>(relative: string): T {
  return JSON.parse(readFileSync(join(specRoot, relative), 'utf8')) as T;
}

export function readSpecText(relative: string): string {
  return readFileSync(join(specRoot, relative), 'utf8');
}

/** `describe` that skips with a clear message when ../shared/spec is absent. */
export const describeWithSpec: jest.Describe = hasSpec
  ? describe
  : ((name: string, fn: () => void) => {
      describe.skip(`${name} (SKIPPED: ${specRoot} not found)`, fn);
    }) as jest.Describe;

export const CLR_CONTEXT_URL = 'https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json';
/** Test-only contexts: the CLR 2.0.1 context from ../shared and the W3C examples context (one line). */
export function testContexts(): Map<string, object> {
  const map = new Map<string, object>([
    ['https://www.w3.org/ns/credentials/examples/v2', { '@context': { '@vocab': 'https://www.w3.org/ns/credentials/examples#' } }],
  ]);
  if (hasSpec) map.set(CLR_CONTEXT_URL, readSpecJson('clr-v2p0/context/context-2.0.1.json'));
  return map;
}
