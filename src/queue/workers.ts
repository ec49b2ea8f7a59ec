import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppContext } from '../context';
import type { FoundationTables } from '../db';
import type { Kysely } from 'kysely';
import { laneOf, type JobDefinition, type QueueName } from './job';
import { createRedis } from './connection';

/**
 * Longest a background job (a notification, an email, a gradebook post, an export) waits at its start
 * for the process to be free of grade-to-badge work. Why wait: on a few cores a burst of grades
 * needs every CPU millisecond for evaluating and signing, and three notify jobs follow every award;
 * they can run a few seconds later, the learner's badge cannot. Why bounded: under work that never
 * pauses, background jobs still go on (concurrency / this many per second per process).
 */
export const BACKGROUND_MAX_WAIT_MS = 1000;

/** Counts the foreground jobs running in this process; background jobs wait on it. */
export class ForegroundGate {
  private running = 0;
  private waiters: (() => void)[] = [];

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.running++;
    try {
      return await work();
    } finally {
      if (--this.running === 0) for (const wake of this.waiters.splice(0)) wake();
    }
  }

  /** Resolves when no foreground job runs, or after maxWaitMs; true when it waited the whole time. */
  idle(maxWaitMs: number): Promise<boolean> {
    if (this.running === 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        resolve(true);
      }, maxWaitMs);
      this.waiters.push(wake);
    });
  }

  get active(): number {
    return this.running;
  }
}

export interface WorkerHostOptions {
  /** Jobs this process runs; workers start only for their queues. */
  jobs: JobDefinition<any>[];
  /** Concurrency per queue. Default: config.WORKER_CONCURRENCY. */
  concurrency?: number;
  /** Redis connection for the blocking workers; default: a new `worker` connection from config. */
  connection?: Redis;
  /** How long a job may run without renewing its lock before it counts as stalled. Default 30 s. */
  lockDuration?: number;
  /** How often stalled jobs are looked for. Default 30 s (BullMQ default). */
  stalledInterval?: number;
  /** How long a background job waits for foreground jobs to finish (0: never). Default BACKGROUND_MAX_WAIT_MS. */
  backgroundMaxWaitMs?: number;
}

export interface WorkerHost {
  workers: Worker[];
  /** Stops taking jobs and waits for running ones; after `timeoutMs` forces the close (running jobs
   * are then picked up again by another worker through stalled-job recovery). */
  close(timeoutMs: number): Promise<void>;
}

export interface DeadLetter {
  queue: string;
  jobId: string;
  jobName: string;
  payload: unknown;
  reason: string;
  attempts: number;
}

/** Records a job that will not be retried again, durable and queryable in PostgreSQL. */
export async function recordDeadLetter(db: Kysely<FoundationTables>, letter: DeadLetter): Promise<void> {
  await db
    .insertInto('dead_letters')
    .values({
      queue: letter.queue,
      job_id: letter.jobId,
      job_name: letter.jobName,
      payload: JSON.stringify(letter.payload ?? null),
      reason: letter.reason.slice(0, 2000),
      attempts: letter.attempts,
    })
    .onConflict((oc) => oc.columns(['queue', 'job_id']).doUpdateSet({ reason: letter.reason.slice(0, 2000), attempts: letter.attempts, resolved_at: null }))
    .execute();
}

export function startWorkers(ctx: AppContext, options: WorkerHostOptions): WorkerHost {
  const byQueue = new Map<QueueName, Map<string, JobDefinition<any>>>();
  for (const job of options.jobs) {
    const named = byQueue.get(job.queue) ?? new Map();
    if (named.has(job.name)) throw new TypeError(`Job ${job.name} is registered twice`);
    named.set(job.name, job);
    byQueue.set(job.queue, named);
  }
  const connection = options.connection ?? createRedis(ctx.config.REDIS_URL, 'worker');
  const ownsConnection = !options.connection;
  const log = ctx.logger.child({ component: 'worker' });
  const gate = new ForegroundGate();
  const backgroundWait = options.backgroundMaxWaitMs ?? BACKGROUND_MAX_WAIT_MS;

  const workers = [...byQueue].map(([queue, jobs]) => {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const definition = jobs.get(job.name);
        if (!definition) throw new UnrecoverableError(`No handler for job ${job.name} on queue ${queue}`);
        const parsed = definition.schema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`Invalid payload: ${parsed.error.message}`);
        const perform = () => definition.perform(parsed.data, {
          ctx,
          jobId: job.id!,
          attempt: job.attemptsMade + 1,
          progress: (value) => job.updateProgress(value),
        });
        if (laneOf(definition) === 'foreground') return gate.run(perform);
        // The job is active meanwhile: BullMQ keeps renewing its lock, no other worker takes it.
        if (backgroundWait > 0) await gate.idle(backgroundWait);
        return perform();
      },
      {
        connection,
        prefix: ctx.config.QUEUE_PREFIX,
        concurrency: options.concurrency ?? (queue === 'issue' ? ctx.config.ISSUE_CONCURRENCY : ctx.config.WORKER_CONCURRENCY),
        lockDuration: options.lockDuration ?? 30000,
        stalledInterval: options.stalledInterval ?? 30000,
        // A job whose worker died twice is treated as poison rather than looping forever.
        maxStalledCount: 2,
      },
    );
    worker.on('error', (error) => log.warn({ err: error, queue }, 'worker error'));
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      log[final ? 'error' : 'warn']({ err: error, queue, jobId: job.id, job: job.name, attempt: job.attemptsMade }, final ? 'job dead-lettered' : 'job failed, will retry');
      if (!final) return;
      recordDeadLetter(ctx.database.db, { queue, jobId: job.id!, jobName: job.name, payload: job.data, reason: error.message, attempts: job.attemptsMade }).catch((err) =>
        log.error({ err, queue, jobId: job.id }, 'could not record dead letter'),
      );
    });
    return worker;
  });

  return {
    workers,
    async close(timeoutMs) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      const timedOut = await Promise.race([graceful.then(() => false), delay(timeoutMs).then(() => true)]);
      if (timedOut) await Promise.all(workers.map((w) => w.close(true)));
      if (ownsConnection) connection.disconnect();
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
