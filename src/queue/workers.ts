import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { AppContext } from '../context';
import type { FoundationTables } from '../db';
import type { Kysely } from 'kysely';
import type { JobDefinition, QueueName } from './job';
import { createRedis } from './connection';

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

  const workers = [...byQueue].map(([queue, jobs]) => {
    const worker = new Worker(
      queue,
      async (job: Job) => {
        const definition = jobs.get(job.name);
        if (!definition) throw new UnrecoverableError(`No handler for job ${job.name} on queue ${queue}`);
        const parsed = definition.schema.safeParse(job.data);
        if (!parsed.success) throw new UnrecoverableError(`Invalid payload: ${parsed.error.message}`);
        return definition.perform(parsed.data, {
          ctx,
          jobId: job.id!,
          attempt: job.attemptsMade + 1,
          progress: (value) => job.updateProgress(value),
        });
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
