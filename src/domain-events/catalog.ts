import { z } from 'zod';

/**
 * Every domain event Laurel publishes: its name, the schema of its payload and the subject that
 * makes it unique (a second publication of the same fact is carried once while its job is retained).
 * Payloads name things by id only: a subscriber reads the current state from the owner, so a late or
 * repeated delivery never acts on a stale copy.
 */

/** The queue that carries every domain event (DESIGN.md §3: notify). */
export const EVENTS_QUEUE = 'notify' as const;

const award = z.strictObject({ awardId: z.uuid(), courseId: z.uuid(), learnerId: z.uuid() });

export const DOMAIN_EVENTS = {
  /**
   * badges: an award was created (rule, manual or import), in the awarding transaction.
   * `badgeRulesEvaluated`: a rule evaluation made it, with every published rule of the course
   * evaluated while the learner held it (the evaluator follows badges from badges to a fixed point),
   * so a reaction that re-evaluates the rules reading this badge has nothing left to do.
   */
  'award.made': award.extend({ achievementId: z.uuid(), badgeRulesEvaluated: z.literal(true).optional() }),
  /** badges: an award's credential is signed and stored (published by every successful issue run). */
  'credential.issued': award,
  /** badges: an award was revoked, in the revoking transaction. */
  'award.revoked': award,
  /** badges: the maintenance sweep found an award past its validity period, in the expiring statement's transaction. */
  'award.expired': award,
} as const;

export type DomainEventName = keyof typeof DOMAIN_EVENTS;
export type DomainEventPayload<N extends DomainEventName> = z.infer<(typeof DOMAIN_EVENTS)[N]>;

/** One event: the discriminated union of every name with its payload. */
export type DomainEvent = { [N in DomainEventName]: { name: N; payload: DomainEventPayload<N> } }[DomainEventName];

export const DOMAIN_EVENT_NAMES = Object.keys(DOMAIN_EVENTS) as DomainEventName[];

export function isDomainEventName(name: string): name is DomainEventName {
  return Object.prototype.hasOwnProperty.call(DOMAIN_EVENTS, name);
}

/** Refuses an unknown name or a payload that does not match its schema (a publisher's bug: throws). */
export function parseDomainEvent(event: { name: string; payload: unknown }): DomainEvent {
  if (!isDomainEventName(event.name)) throw new TypeError(`Unknown domain event: ${event.name}`);
  const parsed = DOMAIN_EVENTS[event.name].safeParse(event.payload);
  if (!parsed.success) throw new TypeError(`Invalid payload for domain event ${event.name}: ${parsed.error.message}`);
  return { name: event.name, payload: parsed.data } as DomainEvent;
}

/**
 * The id of the job that carries an event (BullMQ forbids ':' in ids): one per event and subject,
 * e.g. `credential-issued-<award id>`, as the notify queue has always named them.
 */
export function dispatchJobId(event: DomainEvent): string {
  return `${event.name.replace('.', '-')}-${event.payload.awardId}`;
}
