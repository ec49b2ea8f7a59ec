import type { Command } from 'commander';
import { z } from 'zod';
import { formatFindings, runDoctor } from '../deployment';
import { fail, withDatabase } from './context';

const doctorOptions = z.object({
  timeout: z.coerce.number({ error: '--timeout must be milliseconds' }).int().min(100, '--timeout must be at least 100 ms').max(60_000).default(5000),
});

/**
 * `laurel doctor`: can the world verify what this Laurel issues? Fetches each issuer's DID document,
 * the JWKS and a status list at the URLs its credentials name, compares the issuer identity with
 * BASE_URL and checks the standards data; prints what is wrong and how to fix it (exit 1 on a problem).
 */
export function register(program: Command): void {
  program
    .command('doctor')
    .description('check that issued credentials can be verified from outside: issuer DID vs BASE_URL, DID documents, JWKS, status lists, standards data')
    .option('--timeout <ms>', 'time limit per request', '5000')
    .action(async (raw: unknown) => {
      const parsed = doctorOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      await withDatabase(async (database, config) => {
        const findings = await runDoctor({ database, config, timeoutMs: parsed.data.timeout });
        process.stdout.write(formatFindings(findings));
        if (findings.some((f) => f.status === 'problem')) process.exitCode = 1;
      });
    });
}
