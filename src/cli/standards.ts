import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_OFFLINE_DIR, fetchStandards, loadStandards, standardsDir, FETCH_COMMAND } from '../standards';
import { fail } from './context';

const fetchOptions = z.object({
  dir: z.string().min(1).optional(),
  offlineDir: z.string().optional(),
  timeout: z.coerce.number({ error: '--timeout must be milliseconds' }).int().min(100, '--timeout must be at least 100 ms').max(120_000).default(4000),
});

/**
 * Where the cache is: --dir, else STANDARDS_DIR from the environment or .env, else `.data/standards`.
 * Read without validating the rest of the configuration: the Docker build runs this with no database.
 */
function cacheDir(dir: string | undefined): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('dotenv').config({ quiet: true });
  return dir ? standardsDir({ STANDARDS_DIR: dir }) : standardsDir({ STANDARDS_DIR: process.env.STANDARDS_DIR || undefined });
}

/** `laurel standards fetch|check`: the OB 3.0 / CLR 2.0 schemas and CLR context a deployment needs. */
export function register(program: Command): void {
  const standards = program.command('standards').description('standards data (OB 3.0 / CLR 2.0 JSON Schemas, CLR 2.0.1 context) checked against pinned hashes');
  standards
    .command('fetch')
    .description('fetch the standards data from its canonical 1EdTech URLs into the cache (falls back to a local 1EdTech spec copy); idempotent')
    .option('--dir <dir>', 'cache directory (default: STANDARDS_DIR or .data/standards)')
    .option('--offline-dir <dir>', `1EdTech spec tree to copy from when the network fails ('' for none)`, DEFAULT_OFFLINE_DIR)
    .option('--timeout <ms>', 'time limit per download', '4000')
    .action(async (raw: unknown) => {
      const parsed = fetchOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      const dir = cacheDir(parsed.data.dir);
      const outcomes = await fetchStandards({ dir, offlineDir: parsed.data.offlineDir || undefined, timeoutMs: parsed.data.timeout });
      for (const o of outcomes) process.stdout.write(`${o.ok ? 'ok    ' : 'FAILED'}  ${o.file}: ${o.detail}\n`);
      const failed = outcomes.filter((o) => !o.ok).length;
      if (failed) {
        process.stderr.write(`laurel: ${failed} standards file(s) could not be fetched or failed their pinned hash; allow HTTPS to purl.imsglobal.org or pass --offline-dir with a 1EdTech spec copy\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`standards data ready in ${dir}\n`);
    });
  standards
    .command('check')
    .description('check the cached standards data against the pinned hashes (exit 1 when missing)')
    .option('--dir <dir>', 'cache directory (default: STANDARDS_DIR or .data/standards)')
    .action((o: { dir?: string }) => {
      const state = loadStandards(cacheDir(o.dir));
      if (!state.available) {
        process.stderr.write(`laurel: ${state.message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`standards data present and matching the pinned hashes in ${state.dir} (run '${FETCH_COMMAND}' to refresh)\n`);
    });
}
