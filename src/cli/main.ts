import { Command, CommanderError } from 'commander';
import { migrate } from '../db';
import { withDatabase } from './context';

type Family = { register(program: Command): void };

/**
 * Subcommand families, loaded only when asked for: a family pulls in heavy modules (JSON-LD, ltijs,
 * crypto suites) that `laurel token list` should not pay for. `--help` loads them all.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const families: Record<string, () => Family> = {
  token: () => require('./tokens'),
  keys: () => require('./keys'),
  verify: () => require('./verify'),
  export: () => require('./export'),
  events: () => require('./events'),
  platform: () => require('./platform'),
  standards: () => require('./standards'),
  doctor: () => require('./doctor'),
  operator: () => require('./operator'),
  issuer: () => require('./issuer'),
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** `laurel`: administration from the command line. Each subcommand family lives in its own file. */
export function buildProgram(argv: string[] = process.argv): Command {
  const program = new Command('laurel').description('Laurel: Open Badges 3.0 for Canvas and Moodle').exitOverride();
  program
    .command('migrate')
    .description('apply pending database migrations')
    .action(async () => {
      await withDatabase(async ({ pool }) => {
        const applied = await migrate(pool);
        process.stdout.write(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
      });
    });
  program
    .command('bootstrap')
    .description('create what a fresh installation needs (default issuer, signing keys); idempotent')
    .action(async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { bootstrapSteps } = require('./bootstrap') as typeof import('./bootstrap');
      await withDatabase(async (database, config) => {
        for (const step of bootstrapSteps) process.stdout.write(`${await step(database, config)}\n`);
      });
    });
  const asked = argv[2];
  for (const [name, load] of Object.entries(families)) {
    if (asked === undefined || asked === name || !(asked in families)) load().register(program);
  }
  return program;
}

if (require.main === module || process.argv[1]?.endsWith('laurel')) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      if (error instanceof CommanderError) process.exit(error.exitCode);
      process.stderr.write(`laurel: ${(error as Error).message}\n`);
      process.exit(1);
    });
}
