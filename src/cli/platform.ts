import type { Command } from 'commander';
import { z } from 'zod';
import type { Database } from '../db';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import { eventsPlatformHooks } from '../events';
import { activatePlatform, decommissionPlatform, listPlatforms, PgLtiStore, registerPlatform, registrationUrl, type PlatformRegistry } from '../lti';
import { cliConfig, fail, withDatabase } from './context';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const addOptions = z.object({
  issuer: z.string().min(1, '--issuer is required'),
  clientId: z.string().min(1, '--client-id is required'),
  name: z.string().trim().min(1).max(200).optional(),
  lms: z.enum(['canvas', 'moodle', 'other'], { error: '--lms must be canvas, moodle or other' }).default('other'),
  authEndpoint: z.url({ error: '--auth-endpoint must be a URL' }),
  tokenEndpoint: z.url({ error: '--token-endpoint must be a URL' }),
  jwksUrl: z.url({ error: '--jwks-url must be a URL' }),
  authorizationServer: z.string().optional(),
  deployment: z.array(z.string().min(1)).default([]),
  acceptNewDeployments: z.boolean().default(false),
});

/** The ltijs store (tool key pairs, ltijs's platform records) on the command's database. */
async function withStore<T>(work: (deps: { database: Database; config: Config; registry: PlatformRegistry }) => Promise<T>): Promise<T> {
  return withDatabase(async (database, config) => {
    const store = new PgLtiStore(database.db);
    await store.setup();
    return work({ database, config, registry: { db: database.db, store, keyEncryptionKey: config.KEY_ENCRYPTION_KEY } });
  });
}

/** `laurel platform add|list|remove|activate|registration-url`: manual registration of LMS platforms and their deployments. */
export function register(program: Command): void {
  const platform = program.command('platform').description('manage the LMS platforms (LTI 1.3) Laurel accepts launches from');
  platform
    .command('add')
    .description('register a platform manually (or update it); prints what to enter in the LMS')
    .requiredOption('--issuer <url>', 'the platform issuer (Canvas: https://canvas.instructure.com; Moodle: its URL)')
    .requiredOption('--client-id <id>', 'client id the LMS gave Laurel (Canvas developer key id; Moodle tool client id)')
    .requiredOption('--auth-endpoint <url>', 'OIDC authorization endpoint')
    .requiredOption('--token-endpoint <url>', 'OAuth2 token endpoint')
    .requiredOption('--jwks-url <url>', "the platform's public key set")
    .option('--authorization-server <aud>', 'audience of client assertions when not the token endpoint (Canvas)')
    .option('--name <name>', 'a name for people')
    .option('--lms <lms>', 'canvas, moodle or other', 'other')
    .option('--deployment <id>', 'a deployment id (repeatable)', collect, [])
    .option('--accept-new-deployments', 'record deployments of this client on their first signed launch')
    .action(async (raw: Record<string, unknown>) => {
      const parsed = addOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      const o = parsed.data;
      await withStore(async ({ config, registry }) => {
        const row = await registerPlatform(
          registry,
          {
            issuer: o.issuer,
            clientId: o.clientId,
            name: o.name ?? `${o.lms === 'other' ? 'LMS' : o.lms} ${new URL(o.authEndpoint).host}`,
            lms: o.lms,
            authEndpoint: o.authEndpoint,
            tokenEndpoint: o.tokenEndpoint,
            jwksUrl: o.jwksUrl,
            ...(o.authorizationServer ? { authorizationServer: o.authorizationServer } : {}),
            deploymentIds: o.deployment,
            status: 'active',
            acceptNewDeployments: o.acceptNewDeployments,
            details: { registeredBy: 'cli', registeredAt: new Date().toISOString() },
          },
        );
        const root = `${config.BASE_URL}/lti`;
        process.stdout.write(
          [
            `platform ${row.id} registered (${row.status})`,
            `  Login (OIDC initiation) URL: ${root}/login`,
            `  Launch / redirect URL:       ${root}/launch`,
            `  Public key set (JWKS) URL:   ${root}/keys`,
            ...(o.lms === 'canvas' ? [`  Canvas JSON configuration:   ${root}/canvas.json`] : []),
            '',
          ].join('\n'),
        );
      });
    });
  platform
    .command('list')
    .description('list registered platforms and their deployments')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const platforms = await listPlatforms(db);
        if (options.json) return void process.stdout.write(`${JSON.stringify(platforms, null, 2)}\n`);
        for (const p of platforms) {
          process.stdout.write(`${p.id}  ${p.status}  ${p.lms}  ${p.name}\n  issuer ${p.issuer}  client ${p.client_id}  deployments ${p.deploymentIds.join(', ') || '(none)'}${p.registration.acceptNewDeployments === true ? ' + new ones' : ''}\n`);
        }
      });
    });
  platform
    .command('remove')
    .description('stop accepting launches and events from a platform (its courses and badges are kept)')
    .requiredOption('--issuer <url>', 'the platform issuer')
    .requiredOption('--client-id <id>', 'the client id')
    .action(async (options: { issuer: string; clientId: string }) => {
      await withDatabase(async (database, config) => {
        // The same removal as the console and the API: launches stop, event sources are disabled, audited.
        const platform = (await listPlatforms(database.db)).find((p) => p.issuer === options.issuer && p.client_id === options.clientId && p.status !== 'disabled');
        if (!platform) fail(`no platform with issuer ${options.issuer} and client id ${options.clientId}`, 2);
        const deps = { database, config };
        await decommissionPlatform(deps, { platformId: platform.id, actor: 'cli', now: new Date() }, eventsPlatformHooks(deps));
        process.stdout.write('platform disabled; its tool key was deleted and its event sources disabled\n');
      });
    });
  platform
    .command('activate')
    .description('activate a pending platform (REGISTRATION_APPROVAL=manual) so its launches are accepted')
    .argument('<id>', 'the platform id (see `laurel platform list`)')
    .action(async (platformId: string) => {
      await withDatabase(async ({ db }) => {
        try {
          const row = await activatePlatform(db, { platformId, actor: 'cli', now: new Date() });
          process.stdout.write(`platform ${row.id} (${row.name}) is active: launches from it are accepted\n`);
        } catch (error) {
          if (error instanceof LaurelError) fail(error.message, error.code === 'ERR_NOT_FOUND' ? 2 : 1);
          throw error;
        }
      });
    });
  platform
    .command('registration-url')
    .description('print the LTI Dynamic Registration URL to paste into Canvas or Moodle (it contains the registration key: share it only with LMS admins)')
    .action(() => {
      const config = cliConfig();
      const url = registrationUrl({ baseUrl: config.BASE_URL, registrationKey: config.REGISTRATION_KEY });
      process.stdout.write(`${url}\n`);
      if (!config.REGISTRATION_KEY) process.stderr.write('laurel: REGISTRATION_KEY is not set: anyone who can reach Laurel can register an LMS. Set it in .env (at least 16 characters).\n');
      if (config.REGISTRATION_APPROVAL === 'manual') process.stderr.write('laurel: REGISTRATION_APPROVAL=manual: activate each new platform with `laurel platform activate ID` or in the admin console.\n');
    });
}
