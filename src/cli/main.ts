import { Command, CommanderError } from 'commander';
import { migrate } from '../db';
import { withDatabase } from './context';
import { bootstrapSteps } from './bootstrap';
import * as tokens from './tokens';
import * as keys from './keys';
import * as verify from './verify';
import * as exportCli from './export';
import * as events from './events';
import * as platform from './platform';

/** `laurel`: administration from the command line. Each subcommand family lives in its own file. */
export function buildProgram(): Command {
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
      await withDatabase(async (database, config) => {
        for (const step of bootstrapSteps) process.stdout.write(`${await step(database, config)}\n`);
      });
    });
  tokens.register(program);
  keys.register(program);
  verify.register(program);
  exportCli.register(program);
  events.register(program);
  platform.register(program);
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
