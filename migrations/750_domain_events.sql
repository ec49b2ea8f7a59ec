-- Domain events (src/domain-events): the transactional outbox. An owner records the fact it publishes
-- (`award.revoked`, `award.made`, ...) in the same transaction as the change, so the event exists
-- if and only if the change committed. After the commit the publisher puts it on the `notify` queue
-- and deletes the row; a row still here after a grace period (Redis down, process died between the
-- commit and the queue add) is carried by the relay. `job_id` is the dispatch job's id, derived from
-- the event's subject (e.g. credential-issued-<award id>), so carrying twice queues it once.
create table domain_event_outbox (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  job_id text not null,
  payload jsonb not null,
  created_at timestamptz not null default now()
);

-- The relay reads the oldest rows first.
create index domain_event_outbox_created on domain_event_outbox (created_at);
