import type { JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { AppContext } from '../context';

/** The queues Laurel runs. Each is a separate BullMQ queue so a slow kind never starves another. */
export const QUEUE_NAMES = ['evaluate', 'issue', 'notify', 'poll', 'import', 'export', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** What a job's `perform` receives besides its payload. */
export interface JobRun {
  ctx: AppContext;
  jobId: string;
  /** 1 on the first try. */
  attempt: number;
  /** Reports progress (0-100 or a JSON object) visible to pages that poll the job. */
  progress(value: number | Record<string, unknown>): Promise<void>;
}

/**
 * One job type: a name, its queue, the schema of its payload (BullMQ stores JSON, so the payload is
 * re-validated when a worker takes it) and what to do. Throw `UnrecoverableError` (from bullmq) for
 * a permanent failure: it goes straight to dead letters instead of retrying.
 */
export interface JobDefinition<P = unknown> {
  name: string;
  queue: QueueName;
  schema: z.ZodType<P>;
  perform(payload: P, run: JobRun): Promise<unknown>;
  /** Overrides of the default attempts/backoff/retention for this job type. */
  options?: JobsOptions;
  /**
   * `foreground`: on the grade-to-badge path (default for the evaluate and issue queues); while one
   * runs, `background` jobs (default for every other queue) starting in the same process wait for
   * the process to be free of them, up to BACKGROUND_MAX_WAIT_MS (src/queue/workers.ts).
   */
  lane?: JobLane;
}

export type JobLane = 'foreground' | 'background';

/** The queues whose jobs are on the grade-to-badge path unless a job says otherwise. */
export const FOREGROUND_QUEUES: readonly QueueName[] = ['evaluate', 'issue'];

export function laneOf(job: Pick<JobDefinition<unknown>, 'queue' | 'lane'>): JobLane {
  return job.lane ?? (FOREGROUND_QUEUES.includes(job.queue) ? 'foreground' : 'background');
}

export function defineJob<P>(definition: JobDefinition<P>): JobDefinition<P> {
  if (!/^[a-z][a-z0-9.-]*$/.test(definition.name)) throw new TypeError(`Invalid job name: ${definition.name}`);
  return definition;
}

/**
 * Defaults for every job: at-least-once with exponential backoff (1 s, 2 s, 4 s, ...), bounded
 * retention of finished jobs so Redis does not grow without end.
 */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};
