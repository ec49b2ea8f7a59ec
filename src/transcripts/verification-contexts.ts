import type { ContextMap } from '../credentials';
import type { Config } from '../config';
import { CLR_CONTEXT } from './clr';
import { transcriptOptions } from './options';

/**
 * The JSON-LD contexts a verifier needs beyond the bundled ones so that CLRs verify: the CLR 2.0.1
 * context, read through the one loader transcripts sign with (`transcriptOptions(config).clrContext`),
 * so wherever that context comes from (CLR_CONTEXT_FILE, the standards cache) signing and
 * verification agree. Empty when it is unavailable (CLRs are then "not checked", never valid).
 */
export function verificationContexts(config: Config): ContextMap {
  const clr = transcriptOptions(config).clrContext;
  return clr ? new Map([[CLR_CONTEXT, clr]]) : new Map();
}
