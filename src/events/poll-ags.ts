import { z } from 'zod';
import type { AppContext } from '../context';
import { coursesWithLineItems, findCourse, getPlatform } from '../courses';
import { backgroundServiceClients, userAgentOf } from '../lti';
import { defineJob, UnrecoverableError, type Queues } from '../queue';
import { insertEvents, prepareEvent } from './inbox';
import { enqueueEvaluationBatches } from './jobs/evaluate';
import { agsResultsToEvents, type AgsLineItem, type AgsResultRow } from './sources/ags';

/**
 * The AGS results poller: for courses whose line items Laurel can read, new or changed results
 * become score events in the inbox, like any other source (dedupe, parking, evaluate job).
 */

export interface AgsReader {
  listLineItems(lineItemsUrl: string): Promise<AgsLineItem[]>;
  readResults(lineItemUrl: string): Promise<AgsResultRow[]>;
}

export async function pollCourseResults(
  deps: Pick<AppContext, 'database' | 'queues' | 'logger'> & { ags: AgsReader },
  props: { courseId: string; lineItemsUrl: string; now: Date },
): Promise<{ lineItems: number; results: number; stored: number }> {
  const items = await deps.ags.listLineItems(props.lineItemsUrl);
  let results = 0;
  let stored = 0;
  for (const item of items) {
    const rows = await deps.ags.readResults(item.id);
    results += rows.length;
    // One INSERT and one evaluate-batch job per line item (a result page), not a round trip per result.
    const prepared = [];
    for (const event of agsResultsToEvents({ courseId: props.courseId, lineItem: item, results: rows, polledAt: props.now })) {
      prepared.push(await prepareEvent(deps.database.db, { scope: `ags:${props.courseId}`, sourceId: null, platformId: null, event }));
    }
    const saved = (await insertEvents(deps.database.db, prepared)).filter((s) => !s.duplicate);
    stored += saved.length;
    await enqueueEvaluationBatches(deps, saved.filter((s) => s.status === 'pending').map((s) => s.eventId));
  }
  return { lineItems: items.length, results, stored };
}

export const pollAgsPayload = z.object({ courseId: z.uuid() });

/** `events.poll-ags`: one course's results. */
export const pollAgsJob = defineJob<z.infer<typeof pollAgsPayload>>({
  name: 'events.poll-ags',
  queue: 'poll',
  schema: pollAgsPayload,
  async perform(payload, { ctx }) {
    const db = ctx.database.db;
    const course = await findCourse(db, payload.courseId);
    if (!course?.platform_id || !course.ags_lineitems_url) throw new UnrecoverableError(`course ${payload.courseId} has no AGS line items service`);
    const platform = await getPlatform(db, course.platform_id);
    if (!platform || platform.status !== 'active') throw new UnrecoverableError(`the platform of course ${payload.courseId} is not active`);
    const clients = await backgroundServiceClients({ db, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY, userAgent: userAgentOf(ctx.config.BASE_URL), logger: ctx.logger }, platform);
    return pollCourseResults({ ...ctx, ags: clients.ags }, { courseId: course.id, lineItemsUrl: course.ags_lineitems_url, now: new Date() });
  },
});

/** `events.poll-ags-all`: queues a poll of every course with line items on an active platform. */
export const pollAgsAllJob = defineJob<Record<string, never>>({
  name: 'events.poll-ags-all',
  queue: 'poll',
  schema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  async perform(_payload, { ctx }) {
    const courseIds = await coursesWithLineItems(ctx.database.db);
    // One job per course and interval: a slow poll is not queued twice.
    const bucket = Math.floor(Date.now() / POLL_EVERY_MS);
    for (const courseId of courseIds) await ctx.queues.enqueue(pollAgsJob, { courseId }, { jobId: `poll-ags-${courseId}-${bucket}` });
    return { queued: courseIds.length };
  },
});

/** Default interval of the results poll. Live Events and the Moodle plugin are the fast paths; this catches the rest. */
export const POLL_EVERY_MS = 5 * 60_000;

export async function schedulePolling(queues: Queues, everyMs = POLL_EVERY_MS): Promise<void> {
  await queues.enqueue(pollAgsAllJob, {}, { jobId: 'events.poll-ags-all', repeat: { every: everyMs } });
}
