import type { Command } from 'commander';
import { z } from 'zod';
import { createEventSource, listEventSources } from '../events';
import { fail, withDatabase } from './context';

const addOptions = z.object({
  kind: z.enum(['canvas', 'moodle'], { error: '--kind must be canvas or moodle' }),
  platform: z.uuid({ error: '--platform must be a platform id (laurel platform list)' }).optional(),
  name: z.string().max(200).optional(),
  jwksUrl: z.url({ protocol: /^https?$/, error: '--jwks-url must be an http(s) URL' }).optional(),
  allowUnsigned: z.boolean().optional(),
});

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
    .option('--jwks-url <url>', 'Canvas: Data Services JWKS URL', 'https://8axpcl50e4.execute-api.us-east-1.amazonaws.com/main/jwks')
    .option('--allow-unsigned', 'Canvas: also accept unsigned JSON (development only)')
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
        });
        process.stdout.write(`id: ${created.id}\nurl: ${config.BASE_URL}/events/${created.kind}/${created.id}\n`);
        if (created.secret) process.stdout.write(`secret: ${created.secret}\n`);
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
