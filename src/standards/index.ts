// Standards data: the OB 3.0 / CLR 2.0 JSON Schemas and the CLR 2.0.1 JSON-LD context, fetched at
// set-up and image build into a cache checked against pinned hashes (DESIGN 9, "Standards data travels
// with the deployment"). Run time reads only the cache: `loadStandards(standardsDir(config))`.
export { STANDARD_FILES, CLR_CONTEXT_URL, FETCH_COMMAND, type StandardFile } from './manifest';
export { canonicalSha256, checkJson } from './hash';
export {
  loadStandards,
  forgetLoadedStandards,
  standardsDir,
  DEFAULT_STANDARDS_DIR,
  type StandardsData,
  type StandardsState,
  type MissingStandard,
} from './cache';
export { fetchStandards, DEFAULT_OFFLINE_DIR, type FetchOutcome, type FetchStandardsOptions } from './fetch';
