import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import type { ClrCredential } from './clr';
import type { ClrSigner, SignedClr } from './signing';

/** What a signing thread needs to build its own signer (keys are read from the database). */
export interface SignWorkerData {
  config: Config;
  /** Schema holding Laurel's tables when not the default search path (benchmarks, tests). */
  schema?: string;
  clrContext: object;
}

export type SignRequest = { id: number; issuerId: string; clr: ClrCredential };
export type SignResponse = { id: number; credentialJson: string; jws: string } | { id: number; error: { message: string; code?: string } };

/** A signer whose output is already serialised: exports write it without another JSON.stringify. */
export interface SerialisingClrSigner extends ClrSigner {
  /** Requests worth keeping in flight to keep every thread busy without queueing a whole batch. */
  readonly inFlight: number;
  signToJson(issuerId: string, clr: ClrCredential): Promise<{ credentialJson: string; jws: string }>;
  close(): Promise<void>;
}

/** Signing threads only exist in the compiled build (a worker needs a .js entry point). */
export function defaultSignThreads(): number {
  return __filename.endsWith('.js') ? Math.min(4, availableParallelism()) : 0;
}

/**
 * CLR signing on worker threads. Canonicalising a CLR (RDFC-1.0 over the record and every embedded
 * badge) is CPU-bound at several milliseconds each, so a course export spreads it over the cores
 * while the main thread reads PostgreSQL and writes files. Requests go to the least busy thread.
 */
export function createClrSignerPool(props: { threads: number; config: Config; schema?: string; clrContext: object }): SerialisingClrSigner {
  if (props.threads < 1) throw new TypeError('threads must be at least 1');
  const workerData: SignWorkerData = { config: props.config, schema: props.schema, clrContext: props.clrContext };
  const pending = new Map<number, { resolve: (v: { credentialJson: string; jws: string }) => void; reject: (e: Error) => void; worker: number }>();
  const load: number[] = [];
  const workers: Worker[] = [];
  let nextId = 1;
  for (let i = 0; i < props.threads; i += 1) {
    // A bounded heap per thread: V8 otherwise lets each thread's heap grow far before collecting,
    // which multiplies the export's peak memory by the number of threads.
    const worker = new Worker(join(__dirname, 'sign-worker.js'), { workerData, resourceLimits: { maxOldGenerationSizeMb: 192, maxYoungGenerationSizeMb: 16 } });
    // Threads only keep the process alive while they have work (see `signToJson`).
    worker.unref();
    worker.on('message', (message: SignResponse) => {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (pending.size === 0) for (const w of workers) w.unref();
      load[entry.worker] = (load[entry.worker] ?? 1) - 1;
      if ('error' in message) entry.reject(message.error.code ? new LaurelError(message.error.code as never, message.error.message) : new Error(message.error.message));
      else entry.resolve({ credentialJson: message.credentialJson, jws: message.jws });
    });
    worker.on('error', (error) => {
      for (const [id, entry] of pending) if (entry.worker === i) (pending.delete(id), entry.reject(error));
    });
    workers.push(worker);
    load.push(0);
  }
  function signToJson(issuerId: string, clr: ClrCredential): Promise<{ credentialJson: string; jws: string }> {
    const target = load.indexOf(Math.min(...load));
    const id = nextId++;
    load[target] = load[target]! + 1;
    if (pending.size === 0) for (const w of workers) w.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, worker: target });
      workers[target]!.postMessage({ id, issuerId, clr } satisfies SignRequest);
    });
  }
  return {
    inFlight: props.threads * 4,
    signToJson,
    async sign(issuerId, clr): Promise<SignedClr> {
      const signed = await signToJson(issuerId, clr);
      return { credential: JSON.parse(signed.credentialJson) as Record<string, unknown>, jws: signed.jws };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
