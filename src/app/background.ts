import { startBadgesMaintenance } from '../badges';
import type { AppContext } from '../context';
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
