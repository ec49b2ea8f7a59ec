import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Config } from '../config';
import { LaurelError } from '../errors';
import type { ClrCredential } from './clr';
import type { ClrLineRequest } from './export-line';
import type { ClrSigner, SignedClr } from './signing';

/** What a signing thread needs to build its own signer (keys are read from the database). */
export interface SignWorkerData {
  config: Config;
  /** Schema holding Laurel's tables when not the default search path (benchmarks, tests). */
  schema?: string;
  clrContext: object;
}

export type SignRequest = { id: number; kind: 'sign'; issuerId: string; clr: ClrCredential } | { id: number; kind: 'line'; line: ClrLineRequest };
export type SignResponse =
  | { id: number; credentialJson: string; jws: string }
  | { id: number; line: string | null }
  | { id: number; error: { message: string; code?: string } };

/** CLR signing on worker threads: `sign` for one learner's record, `signLine` for a course export's lines. */
export interface ClrSignerPool extends ClrSigner {
  /**
   * Requests an export keeps in flight: enough to keep every thread busy, few enough that nothing
   * queues a page of learners (the export waits for the oldest before it sends another).
   */
  readonly inFlight: number;
  /** Builds, signs and serialises one export line on a thread (see export-line.ts). */
  signLine(request: ClrLineRequest): Promise<string | undefined>;
  close(): Promise<void>;
}

/**
 * One signing thread per core but one (at least one, at most 4): the exporting thread reads
 * PostgreSQL and writes the files meanwhile, and each thread holds its own heap (~50 MB). On 2 cores
 * one thread measured faster than two, at 80 MB less. Signing threads only exist in the compiled
 * build (a worker needs a .js entry point).
 */
export function defaultSignThreads(): number {
  return __filename.endsWith('.js') ? Math.max(1, Math.min(4, availableParallelism() - 1)) : 0;
}

type Settle = { resolve: (response: SignResponse) => void; reject: (error: Error) => void; worker: number };

/**
 * CLR signing on worker threads. Canonicalising a CLR (RDFC-1.0 over the record and every embedded
 * badge) is CPU-bound at several milliseconds each, so a course export spreads it over the cores
 * while the main thread reads PostgreSQL and writes files. Requests go to the least busy live thread;
 * a thread that dies (out of its heap, say) fails its requests and gets no more.
 */
export function createClrSignerPool(props: { threads: number; config: Config; schema?: string; clrContext: object }): ClrSignerPool {
  if (props.threads < 1) throw new TypeError('threads must be at least 1');
  const workerData: SignWorkerData = { config: props.config, schema: props.schema, clrContext: props.clrContext };
  const pending = new Map<number, Settle>();
  const load: number[] = [];
  const alive: boolean[] = [];
  const workers: Worker[] = [];
  let nextId = 1;
  const fail = (index: number, error: Error) => {
    alive[index] = false;
    for (const [id, entry] of pending) if (entry.worker === index) (pending.delete(id), entry.reject(error));
  };
  for (let i = 0; i < props.threads; i += 1) {
    // Bounded heaps per thread: V8 otherwise lets each thread's heap grow far before collecting,
    // which multiplies the export's peak memory by the number of threads. A thread holds one request
    // at a time (a CLR of a few hundred kB while canonicalised), so a small young generation suffices.
    const worker = new Worker(join(__dirname, 'sign-worker.js'), { workerData, resourceLimits: { maxOldGenerationSizeMb: 128, maxYoungGenerationSizeMb: 8 } });
    // Threads only keep the process alive while they have work (see `request`).
    worker.unref();
    worker.on('message', (message: SignResponse) => {
      const entry = pending.get(message.id);
      if (!entry) return;
      pending.delete(message.id);
      if (pending.size === 0) for (const w of workers) w.unref();
      load[entry.worker] = (load[entry.worker] ?? 1) - 1;
      if ('error' in message) entry.reject(message.error.code ? new LaurelError(message.error.code as never, message.error.message) : new Error(message.error.message));
      else entry.resolve(message);
    });
    worker.on('error', (error) => fail(i, error));
    worker.on('exit', (code) => fail(i, new Error(`CLR signing thread stopped (exit code ${code})`)));
    workers.push(worker);
    load.push(0);
    alive.push(true);
  }
  function request(body: { kind: 'sign'; issuerId: string; clr: ClrCredential } | { kind: 'line'; line: ClrLineRequest }): Promise<SignResponse> {
    let target = -1;
    for (let i = 0; i < workers.length; i += 1) if (alive[i] && (target < 0 || load[i]! < load[target]!)) target = i;
    if (target < 0) return Promise.reject(new Error('No CLR signing thread is running.'));
    const id = nextId++;
    load[target] = load[target]! + 1;
    if (pending.size === 0) for (const w of workers) w.ref();
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject, worker: target });
      workers[target]!.postMessage({ id, ...body } as SignRequest);
    });
  }
  return {
    inFlight: props.threads * 2,
    async signLine(line) {
      const response = await request({ kind: 'line', line });
      return 'line' in response ? (response.line ?? undefined) : undefined;
    },
    async sign(issuerId, clr): Promise<SignedClr> {
      const response = await request({ kind: 'sign', issuerId, clr });
      if (!('credentialJson' in response)) throw new Error('CLR signing thread answered a signature with something else.');
      return { credential: JSON.parse(response.credentialJson) as Record<string, unknown>, jws: response.jws };
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
