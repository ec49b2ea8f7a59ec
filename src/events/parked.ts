import { sql } from 'kysely';
import type { AppContext } from '../context';
import { unparkEvents } from './inbox';
import { enqueueEvaluations } from './jobs/evaluate';

/**
 * Re-maps events parked because their learner or course was unknown, and queues those that now map.
 * LTI launches and roster syncs call this after recording LMS ids for a platform. Returns how many
 * events became ready.
 */
export async function processParkedEvents(ctx: Pick<AppContext, 'database' | 'queues' | 'logger'>, props: { platformId: string }): Promise<number> {
  const ready = await unparkEvents(ctx.database.db, { platformId: props.platformId });
  for (let i = 0; i < ready.length; i += 200) await enqueueEvaluations(ctx, ready.slice(i, i + 200));
  if (ready.length) ctx.logger.info({ platformId: props.platformId, count: ready.length }, 'parked events mapped');
  return ready.length;
}

/**
 * Re-maps parked events of every platform that has some. Run periodically by the worker role, so an
 * event parked for an unknown learner is processed soon after a launch, a roster sync or an admin
 * records the mapping, whichever path recorded it. Returns how many events became ready.
 */
export async function sweepParkedEvents(ctx: Pick<AppContext, 'database' | 'queues' | 'logger'>): Promise<number> {
  const { rows } = await sql<{ platform_id: string }>`
    select distinct platform_id from score_events where status = 'parked' and platform_id is not null`.execute(ctx.database.db);
  let ready = 0;
  for (const { platform_id } of rows) ready += await processParkedEvents(ctx, { platformId: platform_id });
  return ready;
}

/** Starts the periodic sweep; returns its stop function. */
export function startParkedEventsSweep(ctx: AppContext, options: { intervalMs: number }): () => Promise<void> {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepParkedEvents(ctx).catch((error: unknown) => ctx.logger.warn({ err: error }, 'parked events sweep failed'));
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
