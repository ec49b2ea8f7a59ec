import { readFile, stat } from 'node:fs/promises';
import type { Command } from 'commander';
import { credentialEngine, ensureDefaultIssuer } from '../credentials';
import { isLaurelError } from '../errors';
import { fail, withDatabase } from './context';

const MAX_FILE_BYTES = 10 * 1024 * 1024;
const STATUS_LABEL = { ok: 'ok  ', failed: 'FAIL', 'not-checked': 'n/c ' } as const;
/** The last line: scripts read it (and the exit code). */
const VERDICT_LINE = { verified: 'verified', 'status-unknown': 'NOT verified (status unknown)', 'not-verified': 'NOT verified' } as const;

/**
 * `laurel verify FILE`: JSON, compact JWS, baked PNG or SVG. Exit 0 only when the verdict is
 * "verified"; 1 otherwise, including "not verified (status unknown)".
 */
export function register(program: Command): void {
  program
    .command('verify')
    .description('verify an Open Badges 3.0 credential (JSON, JWS, PNG or SVG); exit 0 when valid')
    .argument('<file>', "path of the credential, or '-' for standard input")
    .option('--json', 'print the full result as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const input = await readInput(file);
      const verified = await withDatabase(async ({ db }, config) => {
        await ensureDefaultIssuer(db, config);
        // The one verifier: it reads the standards cache's contexts (CLR 2.0.1 among them) itself.
        const verify = await credentialEngine({ db, config }).verifier();
        try {
          const result = await verify(input);
          if (options.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
          else {
            for (const c of result.checks) process.stdout.write(`${STATUS_LABEL[c.status]}  ${c.check.padEnd(22)}  ${c.message}${c.trust ? ` [key: ${c.trust}]` : ''}\n`);
            process.stdout.write(`${result.summary}\n${VERDICT_LINE[result.verdict]}\n`);
          }
          return result.verified;
        } catch (error) {
          if (isLaurelError(error, 'ERR_CREDENTIAL_INVALID')) fail(`not a readable credential: ${error.message}`, 1);
          throw error;
        }
      });
      if (!verified) process.exitCode = 1;
    });
}

async function readInput(file: string): Promise<Buffer> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_FILE_BYTES) fail('input larger than 10 MiB', 1);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks);
  }
  const info = await stat(file).catch(() => fail(`cannot read ${file}`, 66));
  if (info.size > MAX_FILE_BYTES) fail(`${file} is larger than 10 MiB`, 1);
  return readFile(file);
}
