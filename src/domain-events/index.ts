// Domain events: how one module's fact reaches the modules that react to it, without the owner
// knowing them. The owner records the event in its own transaction (the outbox), carries it to the
// notify queue after the commit (a relay carries what it could not), and each subscriber, registered
// only by the composition root (src/app/subscribers.ts), runs as its own job with its own retries.
// Owns migrations/750_domain_events.sql.
export { DOMAIN_EVENTS, DOMAIN_EVENT_NAMES, EVENTS_QUEUE, isDomainEventName, parseDomainEvent, dispatchJobId, type DomainEvent, type DomainEventName, type DomainEventPayload } from './catalog';
export { record, carry, publish, relayOutbox, startOutboxRelay, type Recorded, type CarryDeps } from './outbox';
export { Subscriptions, subscriberJobName, subscriberJobs, installSubscriptions, installedSubscriptions, type Subscriber } from './subscribers';
