import { startBadgesMaintenance } from '../badges';
import type { AppContext } from '../context';
import { startOutboxRelay } from '../domain-events';
import { startEventsBackground, startParkedEventsSweep } from '../events';
import { startLtiBackground } from '../lti';
import { startReachSweep } from '../reach';
import { startTranscriptsMaintenance } from '../transcripts';

/**
 * Periodic work of the worker role that is not a queued job (relays, purges). Feature modules add
 * their starters here; each returns a stop function.
 */
export type BackgroundStarter = (ctx: AppContext) => Promise<() => Promise<void>> | (() => Promise<void>);

export const backgroundStarters: BackgroundStarter[] = [
  (ctx) => startEventsBackground(ctx, { intervalMs: ctx.config.EVENT_RELAY_INTERVAL_MS, graceMs: ctx.config.EVENT_RELAY_GRACE_MS }),
  (ctx) => startParkedEventsSweep(ctx, { intervalMs: ctx.config.EVENT_RELAY_INTERVAL_MS }),
  (ctx) => startLtiBackground(ctx),
  (ctx) => startBadgesMaintenance(ctx),
  (ctx) => startTranscriptsMaintenance(ctx),
  (ctx) => startReachSweep(ctx),
  // Domain events recorded but not carried (Redis down, a process died after its commit).
  (ctx) => startOutboxRelay({ db: ctx.database.db, queues: ctx.queues, logger: ctx.logger }, { intervalMs: ctx.config.EVENT_RELAY_INTERVAL_MS, graceMs: ctx.config.EVENT_RELAY_GRACE_MS }),
];

export interface BackgroundTasks {
  close(): Promise<void>;
}

export async function startBackgroundTasks(ctx: AppContext): Promise<BackgroundTasks> {
  const stops = await Promise.all(backgroundStarters.map((start) => start(ctx)));
  return {
    async close() {
      await Promise.all(stops.map((stop) => stop().catch(() => undefined)));
    },
  };
}
