import type { Command } from 'commander';
import { z } from 'zod';
import { audit } from '../audit';
import { addOperator, createSignInLink, listOperators, removeOperator } from '../operators';
import { fail, withDatabase } from './context';

const who = z.object({
  platform: z.uuid({ error: '--platform must be a platform id (laurel platform list)' }),
  user: z.string().trim().min(1, '--user is required').max(255),
});

/**
 * `laurel operator add|list|remove|link`: the people who run Laurel name its instance operators. An
 * operator is a person of a registered platform, identified by that platform's LTI user id (the
 * `sub` of their launches, shown in Laurel's logs and the audit log); no LMS role makes anyone one.
 */
export function register(program: Command): void {
  const operator = program.command('operator').description('name the instance operators (issuers and keys, platform approval, instance tokens, queues, metrics)');
  operator
    .command('add')
    .description('make a person of a platform an operator')
    .requiredOption('--platform <id>', 'the platform id (laurel platform list)')
    .requiredOption('--user <lti-user-id>', 'the LTI user id of the person on that platform (the launch sub)')
    .option('--note <text>', 'who this is, for the listing')
    .action(async (raw: { platform: string; user: string; note?: string }) => {
      const parsed = who.safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }) => {
        const added = await addOperator(db, { platformId: parsed.data.platform, ltiUserId: parsed.data.user, ...(raw.note ? { note: raw.note } : {}) }).catch((error: Error) => fail(error.message, 2));
        await audit(db, { actor: 'cli', action: 'operator.added', subjectType: 'operator', subjectId: added.id, platformId: added.platformId, details: { ltiUserId: added.ltiUserId } });
        process.stdout.write(`${added.id}  operator ${added.ltiUserId} of ${added.platformName}\n`);
      });
    });
  operator
    .command('list')
    .description('list the operators')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      await withDatabase(async ({ db }) => {
        const operators = await listOperators(db);
        if (options.json) return void process.stdout.write(`${JSON.stringify(operators, null, 2)}\n`);
        if (!operators.length) process.stdout.write('no operators yet: laurel operator add --platform ID --user LTI_USER_ID, or laurel operator link\n');
        for (const o of operators) process.stdout.write(`${o.id}  ${o.ltiUserId}  of ${o.platformName} (${o.platformId})${o.note ? `  ${o.note}` : ''}\n`);
      });
    });
  operator
    .command('remove')
    .description('remove an operator, by id or by --platform and --user')
    .argument('[id]')
    .option('--platform <id>')
    .option('--user <lti-user-id>')
    .action(async (id: string | undefined, raw: { platform?: string; user?: string }) => {
      const target = id ? (z.uuid().safeParse(id).success ? { id } : fail('the operator id must be a UUID (laurel operator list)', 64)) : who.safeParse(raw);
      if ('success' in target && !target.success) fail(target.error.issues[0]!.message, 64);
      const props = 'id' in target ? target : { platformId: target.data!.platform, ltiUserId: target.data!.user };
      await withDatabase(async ({ db }) => {
        const removed = await removeOperator(db, props);
        if (!removed) fail('no operator matches', 2);
        await audit(db, { actor: 'cli', action: 'operator.removed', subjectType: 'operator', details: props });
        process.stdout.write(`removed ${removed} operator${removed === 1 ? '' : 's'}\n`);
      });
    });
  operator
    .command('link')
    .description('print a one-time operator sign-in link for the console (at /admin)')
    .option('--label <name>', 'who will use it (recorded in the audit log)', 'console')
    .option('--minutes <n>', 'how long the link stays valid', '15')
    .action(async (raw: { label: string; minutes: string }) => {
      const parsed = z.object({ label: z.string().trim().min(1).max(100).regex(/^[\w .@-]+$/, '--label: letters, digits, space, . @ _ -'), minutes: z.coerce.number().int().min(1).max(1440) }).safeParse(raw);
      if (!parsed.success) fail(parsed.error.issues[0]!.message, 64);
      await withDatabase(async ({ db }, config) => {
        const { secret, expiresAt } = await createSignInLink(db, { label: parsed.data.label, minutes: parsed.data.minutes, now: new Date() });
        await audit(db, { actor: 'cli', action: 'operator.link_created', subjectType: 'operator_link', details: { label: parsed.data.label, expiresAt: expiresAt.toISOString() } });
        process.stdout.write(`${config.BASE_URL}/admin/sign-in?token=${secret}\n`);
        process.stderr.write(`valid once, until ${expiresAt.toISOString()}\n`);
      });
    });
}
