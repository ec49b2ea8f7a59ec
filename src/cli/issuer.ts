import type { Command } from 'commander';
import { z } from 'zod';
import { audit } from '../audit';
import { bindPlatformIssuer, ensureDefaultIssuer, listIssuers, unbindPlatformIssuer } from '../credentials';
import { fail, withDatabase } from './context';
import { getPlatform } from '../courses';
import { registerInTransactionPorts } from '../app';

const platformOption = z.uuid({ error: '--platform must be a platform id (laurel platform list)' });

/** `laurel issuer list|bind|unbind`: issuers per institution (a platform with an issuer of its own). */
export function register(program: Command): void {
  // Binding repoints the platform's achievements through a hook the composition root wires (badges
  // owns that table; credentials cannot import badges): this command's process needs it too.
  registerInTransactionPorts();
  const issuer = program.command('issuer').description('issuers per institution: which issuer signs for which platform');
  issuer
    .command('list')
    .description('list issuers and the platform each is bound to')
    .action(async () => {
      await withDatabase(async ({ db }) => {
        for (const i of await listIssuers(db)) process.stdout.write(`${i.id}  ${i.did}  ${i.name}  ${i.platform_id ? `platform ${i.platform_id}` : 'default (every platform without its own)'}\n`);
      });
    });
  issuer
    .command('bind')
    .description("give a platform an issuer of its own (profile, keys, status lists); its achievements sign with it from now on")
    .requiredOption('--platform <id>', 'the platform id (laurel platform list)')
    .option('--name <name>', 'the institution name on its badges (default: the platform name)')
    .action(async (raw: { platform: string; name?: string }) => {
      const platformId = platformOption.safeParse(raw.platform);
      if (!platformId.success) fail(platformId.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }, config) => {
        const platform = await getPlatform(db, platformId.data);
        if (!platform) fail(`no platform has the id ${platformId.data}`, 2);
        const bound = await bindPlatformIssuer(db, config, { platformId: platformId.data, name: raw.name ?? platform.name, now: new Date() });
        await audit(db, { actor: 'cli', action: 'issuer.bound', subjectType: 'issuer', subjectId: bound.id, platformId: platformId.data, details: { did: bound.did } });
        process.stdout.write(`${bound.id}  ${bound.did}\n`);
      });
    });
  issuer
    .command('unbind')
    .description('return a platform to the default issuer (its own issuer keeps verifying what it signed)')
    .requiredOption('--platform <id>', 'the platform id')
    .action(async (raw: { platform: string }) => {
      const platformId = platformOption.safeParse(raw.platform);
      if (!platformId.success) fail(platformId.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }, config) => {
        const defaultIssuerId = (await ensureDefaultIssuer(db, config)).id;
        await unbindPlatformIssuer(db, { platformId: platformId.data, defaultIssuerId }).catch((error: Error) => fail(error.message, 2));
        await audit(db, { actor: 'cli', action: 'issuer.unbound', subjectType: 'platform', subjectId: platformId.data, platformId: platformId.data });
        process.stdout.write('the platform signs with the default issuer\n');
      });
    });
}
