import type { AppContext } from '../context';
import { unparkEvents } from './inbox';
import { enqueueEvaluation } from './jobs/evaluate';

/**
 * Re-maps events parked because their learner or course was unknown, and queues those that now map.
 * LTI launches and roster syncs call this after recording LMS ids for a platform. Returns how many
 * events became ready.
 */
export async function processParkedEvents(ctx: Pick<AppContext, 'database' | 'queues' | 'logger'>, props: { platformId: string }): Promise<number> {
  const ready = await unparkEvents(ctx.database.db, { platformId: props.platformId });
  for (const eventId of ready) await enqueueEvaluation(ctx, eventId);
  if (ready.length) ctx.logger.info({ platformId: props.platformId, count: ready.length }, 'parked events mapped');
  return ready.length;
}
