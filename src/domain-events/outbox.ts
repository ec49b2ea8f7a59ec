import { sql, type Kysely } from 'kysely';
import { GroupCommit } from '../batching';
import type { Logger } from '../log';
import type { Queues } from '../queue';
import { dispatchJobId, EVENTS_QUEUE, isDomainEventName, parseDomainEvent, type DomainEvent } from './catalog';
import { installedSubscriptions, subscriberJobs } from './subscribers';


/** What `record` wrote: the outbox rows to carry once the owner's transaction has committed. */
export interface Recorded {
  rows: OutboxRow[];
}

interface OutboxRow {
  /** Null for an event published without the outbox (`publish`): nothing to delete. */
  id: string | null;
  name: string;
  job_id: string;
  payload: unknown;
}

/**
 * Records events in the owner's transaction (`trx`): they exist if and only if it commits. Call
 * `carry` after the commit to queue them at once; whatever is not carried (Redis down, the process
 * died first, `trx` belonged to a caller) is queued by the relay after its grace period.
 * An unknown event or a payload its schema refuses throws here, inside the transaction.
 */
// Any handle: the outbox is a table of its own, so the caller's table types do not matter.
export async function record(trx: Kysely<any>, events: readonly DomainEvent[]): Promise<Recorded> {
  // An event no installed subscriber wants (its `when` said no, e.g. an award a rule evaluation made
  // has nobody to tell) is not written: nothing would ever carry it anywhere. Without installed
  // subscriptions (a script) every event is written, for the worker's dispatch job.
  const subscriptions = installedSubscriptions();
  const parsed = events.map(parseDomainEvent).filter((e) => !subscriptions || subscriberJobs(subscriptions.of(e.name), dispatchJobId(e), e.payload).length > 0);
  if (parsed.length === 0) return { rows: [] };
  const { rows } = await sql<OutboxRow>`
    insert into domain_event_outbox (name, job_id, payload)
    select * from unnest(${parsed.map((e) => e.name)}::text[], ${parsed.map(dispatchJobId)}::text[], ${parsed.map((e) => JSON.stringify(e.payload))}::jsonb[])
    returning id, name, job_id, payload`.execute(trx);
  return { rows };
}

export interface CarryDeps {
  db: Kysely<any>;
  queues: Pick<Queues, 'get'>;
  logger: Logger;
}

/**
 * After the commit: adds each subscriber's job to the notify queue (`<event>.<subscriber>`, id per
 * event, subject and subscriber, so a second carry of the same fact queues nothing new), or, in a
 * process without installed subscriptions, one dispatch job named by the event; then deletes the
 * carried rows. Never throws: a failure leaves the rows to the relay, and the owner's change stands.
 */
export async function carry(deps: CarryDeps, recorded: Recorded): Promise<number> {
  if (recorded.rows.length === 0) return 0;
  try {
    // A Redis that is down or slow must not hold the owner's caller (an HTTP answer, a job): BullMQ
    // waits for its connection, so the add may finish later, or the relay carries the rows.
    return await withTimeout(carrierFor(deps).submit(recorded.rows), CARRY_TIMEOUT_MS);
  } catch (error) {
    deps.logger.warn({ err: error, events: recorded.rows.length }, 'domain events not queued; the relay will carry them');
    return 0;
  }
}

const CARRY_TIMEOUT_MS = 2000;

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('queue add timed out')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Queues events straight away, without an outbox row, for a publisher whose own retry is the
 * durability: the issue job publishes `credential.issued` on every successful run, so a run that
 * dies before this line, or whose publish throws here (Redis refused, timed out), publishes on its
 * retry. Validated as `record` does; throws when the events were not queued.
 */
export async function publish(deps: CarryDeps, events: readonly DomainEvent[]): Promise<void> {
  if (events.length === 0) return;
  const rows = events.map(parseDomainEvent).map((event) => ({ id: null, name: event.name, job_id: dispatchJobId(event), payload: event.payload }));
  await withTimeout(carrierFor(deps).submit(rows), CARRY_TIMEOUT_MS);
}

// Concurrent carries (a batch of issue jobs finishing together) share one addBulk and one delete.
const carriers = new WeakMap<object, GroupCommit<OutboxRow[], number>>();

function carrierFor(deps: CarryDeps): GroupCommit<OutboxRow[], number> {
  let carrier = carriers.get(deps.queues);
  if (!carrier) {
    carrier = new GroupCommit(async (batches: OutboxRow[][]) => {
      await queueRows(deps, batches.flat());
      return batches.map((rows) => rows.length);
    }, { maxBatch: 200, maxInFlight: 2 });
    carriers.set(deps.queues, carrier);
  }
  return carrier;
}

async function queueRows(deps: CarryDeps, rows: readonly OutboxRow[]): Promise<void> {
  if (rows.length === 0) return;
  // With the root's subscriptions installed, each subscriber's job directly; otherwise the dispatch job.
  const subscriptions = installedSubscriptions();
  const jobs = rows.flatMap((row) =>
    subscriptions && isDomainEventName(row.name)
      ? subscriberJobs(subscriptions.of(row.name), row.job_id, row.payload)
      : [{ name: row.name, data: row.payload, opts: { jobId: row.job_id } }],
  );
  if (jobs.length) await deps.queues.get(EVENTS_QUEUE).addBulk(jobs);
  const recorded = rows.flatMap((r) => (r.id ? [r.id] : []));
  if (recorded.length) await sql`delete from domain_event_outbox where id = any(${recorded}::uuid[])`.execute(deps.db);
}

/**
 * The relay: carries outbox rows older than `graceMs` (their publisher did not, or died first).
 * Rows are locked with SKIP LOCKED, so relays on several worker replicas share the work; a row is
 * deleted in the same transaction that saw it queued.
 */
export async function relayOutbox(deps: CarryDeps, props: { now: Date; graceMs: number; batch: number }): Promise<number> {
  return deps.db.transaction().execute(async (trx) => {
    const { rows } = await sql<OutboxRow>`
      select id, name, job_id, payload from domain_event_outbox
      where created_at <= ${new Date(props.now.getTime() - props.graceMs)}::timestamptz
      order by created_at limit ${props.batch} for update skip locked`.execute(trx);
    // Bounded: the rows stay locked (and a pooled connection held) only while Redis answers; a timeout
    // rolls back and the next scan tries again.
    await withTimeout(queueRows({ ...deps, db: trx }, rows), CARRY_TIMEOUT_MS * 5);
    if (rows.length) deps.logger.info({ carried: rows.length }, 'domain event relay carried events');
    return rows.length;
  });
}

export function startOutboxRelay(deps: CarryDeps, options: { intervalMs: number; graceMs: number; batch?: number }): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    // One scan at a time per process: a slow Redis must not pile scans (and pooled connections) up.
    if (running) return;
    running = relayOutbox(deps, { now: new Date(), graceMs: options.graceMs, batch: options.batch ?? 1000 }).catch((error: unknown) =>
      deps.logger.warn({ err: error }, 'domain event relay failed'),
    ).finally(() => {
      running = undefined;
    });
  }, options.intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
