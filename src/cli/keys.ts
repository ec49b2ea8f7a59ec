import type { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_ISSUER_ID, ensureDefaultIssuer, listIssuers, listKeys, rotateKeys } from '../credentials';
import { fail, withDatabase } from './context';

const rotateOptions = z.object({ issuer: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, '--issuer must be an issuer slug').default(DEFAULT_ISSUER_ID) });

/** `laurel keys list|rotate`: signing keys of the issuers. */
export function register(program: Command): void {
  const keys = program.command('keys').description('manage credential signing keys');
  keys
    .command('list')
    .description('list signing keys (public parts only), active and retired')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const rows = await listKeys(db);
        if (options.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        if (rows.length === 0) return void process.stdout.write("no keys yet: run 'laurel bootstrap'\n");
        for (const k of rows) {
          const state = k.status === 'active' ? 'active' : `retired ${k.retiredAt?.toISOString() ?? ''}`;
          process.stdout.write(`${k.issuerId}  ${k.algorithm.padEnd(7)}  ${state.padEnd(32)}  ${k.id}\n`);
        }
      });
    });
  keys
    .command('rotate')
    .description('retire the active keys of an issuer and create new ones; old credentials keep verifying')
    .option('--issuer <slug>', 'issuer to rotate', DEFAULT_ISSUER_ID)
    .action(async (raw: unknown) => {
      const parsed = rotateOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }, config) => {
        if (parsed.data.issuer === DEFAULT_ISSUER_ID) await ensureDefaultIssuer(db, config);
        else if (!(await listIssuers(db)).some((i) => i.id === parsed.data.issuer)) fail(`no issuer ${parsed.data.issuer}`, 2);
        const result = await rotateKeys(db, parsed.data.issuer, config);
        for (const id of result.retired) process.stdout.write(`retired ${id}\n`);
        for (const id of result.created) process.stdout.write(`created ${id}\n`);
      });
    });
}
