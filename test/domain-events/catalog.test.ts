import { randomUUID } from 'node:crypto';
import { DOMAIN_EVENT_NAMES, dispatchJobId, parseDomainEvent, Subscriptions, subscriberJobName, subscriberJobs, type DomainEvent, type DomainEventPayload } from '../../src/domain-events';

const award = () => ({ awardId: randomUUID(), courseId: randomUUID(), learnerId: randomUUID() });

describe('the domain event catalog', () => {
  it('names the events badges publishes', () => {
    expect([...DOMAIN_EVENT_NAMES].sort()).toEqual(['award.expired', 'award.made', 'award.revoked', 'credential.issued']);
  });

  it('accepts a known event with a valid payload and keeps its type', () => {
    const payload = award();
    const event = parseDomainEvent({ name: 'credential.issued', payload });
    expect(event).toEqual({ name: 'credential.issued', payload });
    // The carrying job id is per event and subject, as the notify queue always named it.
    expect(dispatchJobId(event)).toBe(`credential-issued-${payload.awardId}`);
  });

  it('refuses an unknown event name', () => {
    expect(() => parseDomainEvent({ name: 'award.deleted', payload: award() })).toThrow('Unknown domain event: award.deleted');
    expect(() => parseDomainEvent({ name: 'constructor', payload: award() })).toThrow('Unknown domain event');
  });

  it('refuses a payload its schema does not accept (missing, extra or malformed fields)', () => {
    const { learnerId: _dropped, ...missing } = award();
    expect(() => parseDomainEvent({ name: 'award.revoked', payload: missing })).toThrow(/Invalid payload for domain event award.revoked/);
    expect(() => parseDomainEvent({ name: 'award.revoked', payload: { ...award(), secret: 'x' } })).toThrow(/Invalid payload/);
    expect(() => parseDomainEvent({ name: 'award.made', payload: award() })).toThrow(/achievementId/);
    expect(() => parseDomainEvent({ name: 'award.expired', payload: { ...award(), awardId: 'not-a-uuid' } })).toThrow(/Invalid payload/);
  });

  it('types publish and subscribe by event name (checked by tsc)', () => {
    const made: DomainEvent = { name: 'award.made', payload: { ...award(), achievementId: randomUUID() } };
    // @ts-expect-error award.made needs achievementId
    const incomplete: DomainEvent = { name: 'award.made', payload: award() };
    // @ts-expect-error no such event
    const unknown: DomainEvent = { name: 'award.deleted', payload: award() };
    const subscriptions = new Subscriptions();
    subscriptions.subscribe('award.made', 'typed', async (payload: DomainEventPayload<'award.made'>) => payload.achievementId);
    // @ts-expect-error a subscriber cannot name an unknown event
    expect(() => subscriptions.subscribe('award.deleted', 'nobody', async () => undefined)).toThrow('Unknown domain event: award.deleted');
    expect([made.name, incomplete.name, unknown.name]).toHaveLength(3);
  });
});

describe('Subscriptions', () => {
  it('builds one dispatch job per event and one job per subscriber, all on the notify queue', () => {
    const subscriptions = new Subscriptions()
      .subscribe('credential.issued', 'email', async () => 'e', { attempts: 6 })
      .subscribe('credential.issued', 'gradebook', async () => 'g')
      .subscribe('award.revoked', 'gradebook', async () => 'g');
    const jobs = subscriptions.jobs();
    expect(jobs.map((j) => j.name).sort()).toEqual(
      ['award.expired', 'award.made', 'award.revoked', 'award.revoked.gradebook', 'credential.issued', 'credential.issued.email', 'credential.issued.gradebook'].sort(),
    );
    expect(new Set(jobs.map((j) => j.queue))).toEqual(new Set(['notify']));
    // A subscriber's own retries travel with its job.
    expect(jobs.find((j) => j.name === 'credential.issued.email')?.options).toEqual({ attempts: 6 });
    expect(subscriptions.of('credential.issued').map((s) => s.name)).toEqual(['email', 'gradebook']);
    expect(subscriberJobName({ event: 'award.revoked', name: 'gradebook' })).toBe('award.revoked.gradebook');
  });

  it('queues a subscriber only for the events its `when` accepts, from the payload', () => {
    const subscriptions = new Subscriptions()
      .subscribe('award.made', 'chains', async () => undefined, undefined, { lane: 'foreground', when: (made) => made.badgeRulesEvaluated !== true })
      .subscribe('award.made', 'always', async () => undefined);
    const made = { ...award(), achievementId: randomUUID() };
    const jobs = (payload: unknown) => subscriberJobs(subscriptions.of('award.made'), 'award-made-x', payload).map((j) => j.opts.jobId);
    expect(jobs(made)).toEqual(['award-made-x-chains', 'award-made-x-always']);
    expect(jobs({ ...made, badgeRulesEvaluated: true })).toEqual(['award-made-x-always']);
    expect(subscriptions.jobs().find((j) => j.name === 'award.made.chains')?.lane).toBe('foreground');
    // The flag is part of the event's schema, and only `true` is a value of it.
    expect(parseDomainEvent({ name: 'award.made', payload: { ...made, badgeRulesEvaluated: true } }).payload).toMatchObject({ badgeRulesEvaluated: true });
    expect(() => parseDomainEvent({ name: 'award.made', payload: { ...made, badgeRulesEvaluated: false } })).toThrow('Invalid payload');
  });

  it('refuses a second subscriber of the same name and an invalid name', () => {
    const subscriptions = new Subscriptions().subscribe('award.revoked', 'gradebook', async () => undefined);
    expect(() => subscriptions.subscribe('award.revoked', 'gradebook', async () => undefined)).toThrow('already has a subscriber named gradebook');
    expect(() => subscriptions.subscribe('award.revoked', 'Grade Book', async () => undefined)).toThrow('Invalid subscriber name');
  });

  it("validates a subscriber job's payload against its event's schema", () => {
    const job = new Subscriptions().subscribe('award.expired', 'x', async () => undefined).jobs().find((j) => j.name === 'award.expired.x')!;
    expect(job.schema.safeParse(award()).success).toBe(true);
    expect(job.schema.safeParse({ awardId: 'nope' }).success).toBe(false);
  });
});
