import type { AppContext } from '../context';
import type { TranscriptsDeps } from './deps';
import { transcriptOptions } from './options';
import { createProcessClrSigner } from './signing';

const cache = new WeakMap<AppContext, TranscriptsDeps>();

/** The transcripts dependencies of one process context, built once (one signer): routers and jobs use this. */
export function transcriptsDepsFor(ctx: AppContext): TranscriptsDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    const db = ctx.database.db;
    const options = transcriptOptions(ctx.config);
    deps = { db, config: ctx.config, options, signer: createProcessClrSigner({ db, config: ctx.config, options }) };
    cache.set(ctx, deps);
  }
  return deps;
}
