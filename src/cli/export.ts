import { resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { isLaurelError } from '../errors';
import { createProcessClrSigner, exportCourse, transcriptOptions } from '../transcripts';
import { fail, withDatabase } from './context';

const argsSchema = z.object({ course: z.uuid({ error: 'must be a course id (UUID)' }), out: z.string().min(1), includeExpired: z.boolean().optional() });

/**
 * `laurel export clr --course ID --out DIR`: the course export the `export` job runs (signed CLR per
 * learner as JSON Lines + CSV summary), in this process, written to DIR. Progress goes to stderr; the
 * written files are listed on stdout.
 */
export function register(program: Command): void {
  const exportCommand = program.command('export').description('export learner records');
  exportCommand
    .command('clr')
    .description("export every learner's signed CLR 2.0 of a course (JSON Lines) and a CSV summary")
    .requiredOption('--course <id>', 'course id')
    .requiredOption('--out <dir>', 'directory to write clr.jsonl and summary.csv to')
    .option('--include-expired', 'include expired badges (marked); revoked ones never are')
    .action(async (raw: { course: string; out: string; includeExpired?: boolean }) => {
      const parsed = argsSchema.safeParse(raw);
      if (!parsed.success) fail(`--${String(parsed.error.issues[0]!.path[0])}: ${parsed.error.issues[0]!.message}`, 64);
      const args = parsed.data;
      await withDatabase(async (database, config) => {
        const db = database.db;
        const options = transcriptOptions(config);
        const signer = createProcessClrSigner({ db, config, options });
        const deps = { db, config, options, signer };
        try {
          const result = await exportCourse(deps, {
            courseId: args.course,
            dir: resolve(args.out),
            includeExpired: args.includeExpired,
            onProgress: (p) => void process.stderr.write(`\r${p.learnersDone}/${p.learnersTotal} learners`),
          });
          process.stderr.write('\n');
          for (const f of result.files) process.stdout.write(`${resolve(args.out, f.name)}\t${f.bytes}\n`);
        } catch (error) {
          if (isLaurelError(error)) fail(`${error.code}: ${error.message}`);
          throw error;
        } finally {
          await signer.close?.();
        }
      });
    });
}
