import type { Kysely } from 'kysely';
import { z } from 'zod';
import { coursesWithRoster, findCourse, getPlatform } from '../../courses';
import type { Logger } from '../../log';
import { defineJob, UnrecoverableError, type Queues } from '../../queue';
import { syncRoster } from '../nrps';
import { backgroundServiceClients, userAgentOf } from '../services';
import { PgLtiStore } from '../storage';

export const ROSTER_SYNC_JOB = 'lti.roster-sync';
export const ROSTER_SYNC_ALL_JOB = 'lti.roster-sync-all';

export const rosterSyncPayload = z.object({ courseId: z.uuid() });
export type RosterSyncPayload = z.infer<typeof rosterSyncPayload>;

/** Syncs one course's roster from Names and Roles (see nrps.ts). */
export const rosterSyncJob = defineJob<RosterSyncPayload>({
  name: ROSTER_SYNC_JOB,
  queue: 'poll',
  schema: rosterSyncPayload,
  async perform(payload, { ctx }) {
    const db = ctx.database.db;
    const course = await findCourse(db, payload.courseId);
    // A course deleted or unlinked since the job was queued will never sync: do not retry.
    if (!course?.platform_id || !course.nrps_url) throw new UnrecoverableError(`course ${payload.courseId} has no Names and Roles service`);
    const platform = await getPlatform(db, course.platform_id);
    if (!platform || platform.status !== 'active') throw new UnrecoverableError(`the platform of course ${payload.courseId} is not active`);
    const clients = await backgroundServiceClients({ db, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY, userAgent: userAgentOf(ctx.config.BASE_URL), logger: ctx.logger }, platform);
    return syncRoster({ db, http: clients.http, tokens: clients.tokens }, course);
  },
});

/** The scheduled re-sync: queues a roster sync for every LTI course of an active platform. */
export const rosterSyncAllJob = defineJob<Record<string, never>>({
  name: ROSTER_SYNC_ALL_JOB,
  queue: 'poll',
  schema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  async perform(_payload, { ctx }) {
    const courseIds = await coursesWithRoster(ctx.database.db);
    for (const courseId of courseIds) await ctx.queues.enqueue(rosterSyncJob, { courseId }, { jobId: `roster-sync:${courseId}:${hourBucket()}` });
    return { queued: courseIds.length };
  },
});

function hourBucket(): string {
  return new Date().toISOString().slice(0, 13);
}

/** Schedules the periodic re-sync (idempotent: BullMQ keys repeatable jobs by name and interval). */
export async function scheduleRosterSync(queues: Queues, everyMs: number = 6 * 3600_000): Promise<void> {
  await queues.enqueue(rosterSyncAllJob, {}, { jobId: ROSTER_SYNC_ALL_JOB, repeat: { every: everyMs } });
}

/**
 * The LTI side's background work in the worker role: the periodic roster re-sync is (re)scheduled, and
 * expired nonces, states and tokens are purged (web processes purge too; deleting twice is harmless).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any Kysely handle (the store runs raw SQL)
export async function startLtiBackground(ctx: { database: { db: Kysely<any> }; queues: Queues; logger: Logger }, options: { resyncEveryMs?: number; purgeEveryMs?: number } = {}): Promise<() => Promise<void>> {
  await scheduleRosterSync(ctx.queues, options.resyncEveryMs).catch((error: unknown) => ctx.logger.warn({ err: error }, 'roster re-sync not scheduled'));
  const store = new PgLtiStore(ctx.database.db);
  await store.setup();
  const timer = setInterval(() => {
    store.purgeExpired().catch((error: unknown) => ctx.logger.warn({ err: error }, 'LTI store purge failed'));
  }, options.purgeEveryMs ?? 60_000);
  timer.unref();
  return async () => clearInterval(timer);
}
