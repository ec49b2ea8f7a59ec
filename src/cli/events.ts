import type { Command } from 'commander';
import { z } from 'zod';
import { getPlatform } from '../courses';
import { CANVAS_LIVE_EVENTS_JWKS_URL, createEventSource, listEventSources, subscribeLiveEvents } from '../events';
import { backgroundServiceClients, userAgentOf } from '../lti';
import { fail, withDatabase } from './context';

const addOptions = z.object({
  kind: z.enum(['canvas', 'moodle'], { error: '--kind must be canvas or moodle' }),
  platform: z.uuid({ error: '--platform must be a platform id (laurel platform list)' }).optional(),
  name: z.string().max(200).optional(),
  jwksUrl: z.url({ protocol: /^https?$/, error: '--jwks-url must be an http(s) URL' }).optional(),
  allowUnsigned: z.boolean().optional(),
  // Never empty or blank (an empty HMAC key lets anyone sign events); left out, Laurel generates one.
  secret: z.string().min(16, '--secret needs at least 16 characters (leave it out and Laurel generates a strong one)').regex(/^\S+$/, '--secret cannot contain spaces').optional(),
}).refine((o) => o.secret === undefined || o.kind === 'moodle', { message: '--secret is for Moodle sources only (Canvas signs with its own keys)' });

/** `laurel events source add|list`: where LMS grade events come from. */
export function register(program: Command): void {
  const events = program.command('events').description('grade event sources (Canvas Live Events, the Moodle plugin)');
  const source = events.command('source').description('manage event sources');
  source
    .command('add')
    .description('create an event source; prints its webhook path (and the Moodle shared secret, shown once)')
    .requiredOption('--kind <kind>', 'canvas or moodle')
    .option('--platform <id>', 'the LTI platform whose learners and courses the events refer to')
    .option('--name <name>', 'a label for admins')
    .option('--jwks-url <url>', 'Canvas: Data Services JWKS URL', CANVAS_LIVE_EVENTS_JWKS_URL)
    .option('--allow-unsigned', 'Canvas: also accept unsigned JSON (development only)')
    .option('--secret <secret>', 'Moodle: the shared secret already set in the plugin (default: a new random one)')
    .action(async (raw: unknown) => {
      const parsed = addOptions.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      const o = parsed.data;
      await withDatabase(async ({ db }, config) => {
        const created = await createEventSource(db, {
          kind: o.kind,
          name: o.name,
          platformId: o.platform ?? null,
          jwksUrl: o.kind === 'canvas' ? (o.jwksUrl ?? null) : null,
          allowUnsigned: o.allowUnsigned ?? false,
          ...(o.secret !== undefined ? { secret: o.secret } : {}),
          keyEncryptionKey: config.KEY_ENCRYPTION_KEY,
        });
        process.stdout.write(`id: ${created.id}\nurl: ${config.BASE_URL}/events/${created.kind}/${created.id}\n`);
        if (created.secret && o.secret === undefined) process.stdout.write(`secret: ${created.secret}\n`);
      });
    });
  events
    .command('canvas-subscribe')
    .description("subscribe Laurel to a Canvas account's Live Events through the Data Services API (uses Laurel's LTI token)")
    .requiredOption('--source <id>', 'the Canvas event source (laurel events source add --kind canvas)')
    .requiredOption('--account <id>', 'the Canvas root account to subscribe')
    .option('--format <format>', 'live-event or caliper', 'live-event')
    .option('--api-base <url>', "the institution's Canvas origin (default: the origin of the platform's token endpoint)")
    .action(async (o: { source: string; account: string; format: string; apiBase?: string }) => {
      if (o.format !== 'live-event' && o.format !== 'caliper') fail('--format must be live-event or caliper', 64);
      await withDatabase(async ({ db }, config) => {
        const source = (await listEventSources(db)).find((s) => s.id === o.source && s.kind === 'canvas');
        if (!source?.platform_id) fail('no Canvas event source with this id is bound to a platform', 2);
        const platform = await getPlatform(db, source.platform_id);
        if (!platform) fail('the source\'s platform no longer exists', 2);
        const clients = await backgroundServiceClients({ db, keyEncryptionKey: config.KEY_ENCRYPTION_KEY, userAgent: userAgentOf(config.BASE_URL) }, platform);
        const { subscription, created } = await subscribeLiveEvents(clients, {
          apiBase: o.apiBase ?? new URL(platform.token_endpoint).origin,
          accountId: o.account,
          deliveryUrl: `${config.BASE_URL}/events/canvas/${source.id}`,
          format: o.format as 'live-event' | 'caliper',
        });
        process.stdout.write(`${created ? 'created' : 'already subscribed'}: ${subscription.Id}\n`);
      });
    });
  source
    .command('list')
    .description('list event sources with their last delivery and last error (never secrets)')
    .action(async () => {
      await withDatabase(async ({ db }) => {
        for (const s of await listEventSources(db)) {
          process.stdout.write(`${s.id}  ${s.kind}  ${s.name || '-'}  platform ${s.platform_id ?? '-'}  last event ${s.last_event_at?.toISOString() ?? 'never'}  last error ${s.last_error ?? '-'}\n`);
        }
      });
    });
}
