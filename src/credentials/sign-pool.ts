import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import type { SerializedSignedOutput } from './signer';

/** What a signing thread needs to build its own signer (it reads the issuer's keys itself). */
export interface CredentialSignWorkerData {
  config: Config;
  /** Schema holding Laurel's tables when it is not on the default search path (benchmarks). */
  schema?: string;
}

/**
 * Credentials cross between threads as JSON strings, not objects: a string is copied as it is, while
 * structured cloning walks the document twice per direction; the JSON is what the database gets anyway.
 */
export type CredentialSignRequest = { id: number; issuerId: string; unsignedJson: string };
export type CredentialSignResponse = { id: number; output: SerializedSignedOutput } | { id: number; error: { message: string; code?: string } };

/** Threads by default: the cores, at most 4; none when running from sources (no .js entry point). */
export function defaultIssueSignThreads(config: Pick<Config, 'ISSUE_SIGN_THREADS'>): number {
  if (config.ISSUE_SIGN_THREADS !== undefined) return config.ISSUE_SIGN_THREADS;
  return __filename.endsWith('.js') ? Math.min(4, availableParallelism()) : 0;
}

export interface CredentialSignPool {
  sign(issuerId: string, unsigned: Record<string, unknown>): Promise<SerializedSignedOutput>;
  close(): Promise<void>;
}

/**
 * Badge credential signing (both proofs) on worker threads. Each thread has its own signer (keys
 * read and cached like any process's); requests go to the least busy thread. Threads are started on
 * first use and keep the process alive only while they have work.
 */
export function createCredentialSignPool(props: { threads: number; config: Config; schema?: string }): CredentialSignPool {
  if (props.threads < 1) throw new TypeError('threads must be at least 1');
  const workerData: CredentialSignWorkerData = { config: props.config, schema: props.schema };
  const pending = new Map<number, { resolve: (v: SerializedSignedOutput) => void; reject: (e: Error) => void; worker: number }>();
  const load: number[] = [];
  const workers: Worker[] = [];
  let nextId = 1;
  const start = (i: number) => {
    const worker = new Worker(join(__dirname, 'sign-worker.js'), { workerData, resourceLimits: { maxOldGenerationSizeMb: 256 } });
    worker.unref();
    worker.on('message', (message: CredentialSignResponse) => {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      load[entry.worker] = (load[entry.worker] ?? 1) - 1;
      if (load[entry.worker] === 0) worker.unref();
      if ('error' in message) entry.reject(message.error.code ? new LaurelError(message.error.code as never, message.error.message) : new Error(message.error.message));
      else entry.resolve(message.output);
    });
    // A thread that dies fails its requests (their jobs retry) and is replaced.
    worker.on('error', (error) => {
      for (const [id, entry] of pending) if (entry.worker === i) (pending.delete(id), entry.reject(error));
      load[i] = 0;
      workers[i] = start(i);
    });
    return worker;
  };
  return {
    sign(issuerId, unsigned) {
      if (workers.length === 0) for (let i = 0; i < props.threads; i++) (workers.push(start(i)), load.push(0));
      const target = load.indexOf(Math.min(...load));
      const id = nextId++;
      load[target] = load[target]! + 1;
      workers[target]!.ref();
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject, worker: target });
        workers[target]!.postMessage({ id, issuerId, unsignedJson: JSON.stringify(unsigned) } satisfies CredentialSignRequest);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
