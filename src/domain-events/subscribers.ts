import type { JobsOptions } from 'bullmq';
import { defineJob, type JobDefinition, type JobLane, type JobRun } from '../queue';
import { DOMAIN_EVENTS, EVENTS_QUEUE, isDomainEventName, type DomainEventName, type DomainEventPayload } from './catalog';

/**
 * One reaction to one event. It runs as its own job (`<event>.<name>` on the notify queue) with its
 * own retries and dead letters, so a failing subscriber never holds back the others. Delivery is at
 * least once: `handle` must be idempotent (read the current state by id; the owners' constraints
 * decide).
 */
export interface Subscriber<N extends DomainEventName = DomainEventName> {
  event: N;
  /** Lower-case words and dashes, unique per event, e.g. `gradebook`. */
  name: string;
  handle(payload: DomainEventPayload<N>, run: JobRun): Promise<unknown>;
  /** Attempts and backoff of this subscriber's job (default: the queue defaults, 5 attempts). */
  options?: JobsOptions;
  /** Foreground for a reaction a learner waits on (a badge from badges); default background (notify). */
  lane?: JobLane;
  /**
   * Whether this event concerns the subscriber at all, decided from the payload when the event is
   * carried: false queues no job. For facts the payload states (never for state a job would read).
   */
  when?: (payload: DomainEventPayload<N>) => boolean;
}

/** How a subscriber's job is routed: its lane, and which events it wants (see `Subscriber`). */
export interface SubscriberRouting<N extends DomainEventName> {
  lane?: JobLane;
  when?: (payload: DomainEventPayload<N>) => boolean;
}

/**
 * The subscribers of a process. The composition root (src/app/subscribers.ts) fills one registry
 * that every role loads, so a worker-only and a web-only process know the same reactions; the worker
 * runs `jobs()`.
 */
export class Subscriptions {
  private readonly byEvent = new Map<DomainEventName, Subscriber<any>[]>();

  subscribe<N extends DomainEventName>(event: N, name: string, handle: Subscriber<N>['handle'], options?: JobsOptions, routing?: JobLane | SubscriberRouting<N>): this {
    const { lane, when } = typeof routing === 'string' ? { lane: routing, when: undefined } : (routing ?? {});
    // Typed callers cannot name an unknown event; untyped ones (JSON, tests) are refused here.
    if (!isDomainEventName(event)) throw new TypeError(`Unknown domain event: ${String(event)}`);
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new TypeError(`Invalid subscriber name: ${name}`);
    const list = this.byEvent.get(event) ?? [];
    if (list.some((s) => s.name === name)) throw new TypeError(`${event} already has a subscriber named ${name}`);
    list.push({ event, name, handle, options, lane, when });
    this.byEvent.set(event, list);
    return this;
  }

  of<N extends DomainEventName>(event: N): readonly Subscriber<N>[] {
    return (this.byEvent.get(event) ?? []) as Subscriber<N>[];
  }

  /**
   * The jobs that deliver events: per event a dispatch job named by the event (what the outbox
   * carries) that fans out to one job per subscriber, and each subscriber's own job.
   */
  jobs(): JobDefinition<any>[] {
    const jobs: JobDefinition<any>[] = [];
    for (const event of Object.keys(DOMAIN_EVENTS) as DomainEventName[]) {
      const subscribers = this.of(event);
      jobs.push(dispatchJob(event, subscribers));
      for (const subscriber of subscribers) jobs.push(subscriberJob(subscriber));
    }
    return jobs;
  }
}

/**
 * The subscriptions the composition root installed in this process, so a carry can add the
 * subscribers' jobs directly (one hop less for every event). A process without a root (a script, a
 * test of one module) carries the dispatch job instead, and the worker fans it out.
 */
let installed: Subscriptions | undefined;

export function installSubscriptions(subscriptions: Subscriptions | undefined): void {
  installed = subscriptions;
}

export function installedSubscriptions(): Subscriptions | undefined {
  return installed;
}

/**
 * The jobs that deliver one event to the subscribers it concerns (`when`); ids derive from the
 * event's dispatch job id.
 */
export function subscriberJobs(subscribers: readonly Subscriber<any>[], dispatchId: string, payload: unknown) {
  return subscribers.filter((s) => s.when?.(payload) !== false).map((s) => ({ name: subscriberJobName(s), data: payload, opts: { ...s.options, jobId: `${dispatchId}-${s.name}` } }));
}

export function subscriberJobName(subscriber: Pick<Subscriber, 'event' | 'name'>): string {
  return `${subscriber.event}.${subscriber.name}`;
}

function dispatchJob<N extends DomainEventName>(event: N, subscribers: readonly Subscriber<N>[]): JobDefinition<DomainEventPayload<N>> {
  return defineJob({
    name: event,
    queue: EVENTS_QUEUE,
    schema: DOMAIN_EVENTS[event] as unknown as JobDefinition<DomainEventPayload<N>>['schema'],
    async perform(payload, run) {
      if (subscribers.length === 0) return { delivered: [] };
      // One add for every subscriber; each job id derives from this one, so a retried dispatch
      // (or a second carry of the same event) queues each subscriber once.
      await run.ctx.queues.get(EVENTS_QUEUE).addBulk(subscriberJobs(subscribers, run.jobId, payload));
      return { delivered: subscribers.map((s) => s.name) };
    },
  });
}

function subscriberJob<N extends DomainEventName>(subscriber: Subscriber<N>): JobDefinition<DomainEventPayload<N>> {
  return defineJob({
    name: subscriberJobName(subscriber),
    queue: EVENTS_QUEUE,
    schema: DOMAIN_EVENTS[subscriber.event] as unknown as JobDefinition<DomainEventPayload<N>>['schema'],
    options: subscriber.options,
    lane: subscriber.lane,
    perform: (payload, run) => subscriber.handle(payload, run),
  });
}
