import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { DEFAULT_JOB_OPTIONS, QUEUE_NAMES, type JobDefinition, type QueueName } from './job';

export interface EnqueueOptions {
  /** Makes enqueueing idempotent: BullMQ ignores a second add with the same id while the job exists. */
  jobId?: string;
  delay?: number;
  priority?: number;
  /** Repeat on a schedule (e.g. `{ every: 60000 }`); combine with a stable `jobId`. */
  repeat?: JobsOptions['repeat'];
}

/** Producer side of every queue, sharing one fail-fast Redis connection. */
export class Queues {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly options: { connection: Redis; prefix: string }) {}

  get(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.options.connection, prefix: this.options.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      queue.on('error', () => undefined);
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Validates the payload (a caller bug throws here, not in the worker) and adds the job. */
  async enqueue<P>(job: JobDefinition<P>, payload: P, options: EnqueueOptions = {}): Promise<string> {
    const parsed = job.schema.safeParse(payload);
    if (!parsed.success) throw new TypeError(`Invalid payload for job ${job.name}: ${parsed.error.message}`);
    // BullMQ reserves ':' in custom ids.
    const jobId = options.jobId?.replace(/:/g, '_');
    const added = await this.get(job.queue).add(job.name, parsed.data, {
      ...job.options,
      ...(jobId ? { jobId } : {}),
      ...(options.delay ? { delay: options.delay } : {}),
      ...(options.priority ? { priority: options.priority } : {}),
      ...(options.repeat ? { repeat: options.repeat } : {}),
    });
    return added.id!;
  }

  /** Adds many jobs of one kind in one Redis round trip (BullMQ addBulk); returns their ids in order. */
  async enqueueBulk<P>(job: JobDefinition<P>, items: readonly { payload: P; jobId?: string }[]): Promise<string[]> {
    if (items.length === 0) return [];
    const jobs = items.map(({ payload, jobId }) => {
      const parsed = job.schema.safeParse(payload);
      if (!parsed.success) throw new TypeError(`Invalid payload for job ${job.name}: ${parsed.error.message}`);
      const id = jobId?.replace(/:/g, '_');
      return { name: job.name, data: parsed.data, opts: { ...job.options, ...(id ? { jobId: id } : {}) } };
    });
    const added = await this.get(job.queue).addBulk(jobs);
    return added.map((entry) => entry.id!);
  }

  all(): Queue[] {
    return QUEUE_NAMES.map((name) => this.get(name));
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    // BullMQ's close of a queue on a shared connection drops the connection's listeners without waiting
    // for its start-up check (an INFO); if that check fails afterwards (the caller disconnects Redis
    // next), its 'error' reaches no listener and crashes the process. Let the checks settle first.
    await Promise.all(queues.map((q) => settleWithin(q.waitUntilReady(), 2000)));
    await Promise.all(queues.map((q) => q.close()));
  }
}

/** Waits for `promise` to settle, at most `ms`; never throws. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
