import type { Command } from 'commander';
import { z } from 'zod';
import { createToken, listTokens, revokeToken, SCOPES, type Scope } from '../tokens';
import { fail, withDatabase } from './context';

const createOptions = z.object({
  name: z.string().trim().min(1, '--name is required').max(100),
  scopes: z
    .string()
    .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(z.enum(SCOPES, { error: `--scopes must be a comma-separated list of ${SCOPES.join(', ')}` })).min(1)),
  platform: z.uuid({ error: '--platform must be a platform id (laurel platform list)' }).optional(),
});

export function register(program: Command): void {
  const token = program.command('token').description('manage API tokens');
  token
    .command('create')
    .description('create an API token and print it (shown once)')
    .requiredOption('--name <name>', 'who or what uses the token')
    .option('--scopes <scopes>', `comma-separated: ${SCOPES.join(', ')}`, 'admin')
    .option('--platform <id>', 'bind the token to one platform: it reaches that platform only (default: instance-wide)')
    .action(async (raw: unknown) => {
      const parsed = createOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }) => {
        const { token: secret } = await createToken(db, { name: parsed.data.name, scopes: parsed.data.scopes as Scope[], platformId: parsed.data.platform ?? null })
          .catch((error: { code?: string }) => (error.code === '23503' ? fail(`no platform has the id ${parsed.data.platform}`, 2) : Promise.reject(error)));
        process.stdout.write(`${secret}\n`);
      });
    });
  token
    .command('list')
    .description('list API tokens (never their secrets)')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const tokens = await listTokens(db);
        if (options.json) return void process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        for (const t of tokens) {
          const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : 'active';
          process.stdout.write(`${t.id}  ${t.prefix}…  ${t.name}  [${t.scopes.join(',')}]  ${t.platformId ? `platform ${t.platformId}` : 'instance-wide'}  ${state}  last used ${t.lastUsedAt?.toISOString() ?? 'never'}\n`);
        }
      });
    });
  token
    .command('revoke')
    .description('revoke a token by id or by its displayed prefix')
    .argument('<id-or-prefix>')
    .action(async (id: string) => {
      await withDatabase(async ({ db }) => {
        const count = await revokeToken(db, id);
        if (count === 0) fail(`no active token matches ${id}`, 2);
        process.stdout.write(`revoked ${count} token${count === 1 ? '' : 's'}\n`);
      });
    });
}
