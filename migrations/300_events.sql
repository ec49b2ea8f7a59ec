-- Grade events: where they come from, the durable inbox, and each learner's latest score.
-- Migrations never name a schema: tests run each suite in its own schema through search_path.

-- A configured sender of events. Canvas sources are verified against a JWKS URL (RS256 JWT bodies);
-- Moodle sources with an HMAC shared secret; webhook/poller sources are reserved for the generic
-- webhook and the AGS poller.
create table event_sources (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('canvas', 'moodle', 'webhook', 'poller')),
  name text not null default '',
  platform_id uuid references platforms (id) on delete cascade,
  -- Moodle HMAC-SHA256 shared secret (the plugin needs the same bytes, so it cannot be a hash).
  secret text,
  -- Canvas Data Services JWKS (rotated monthly: previous, current and next keys).
  jwks_url text,
  -- Whether a Canvas source also accepts unsigned JSON ("Sign Payload" off); never in production.
  allow_unsigned boolean not null default false,
  enabled boolean not null default true,
  last_event_at timestamptz,
  last_error text,
  last_error_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (kind <> 'moodle' or secret is not null),
  check (kind <> 'canvas' or jwks_url is not null or allow_unsigned)
);

-- The inbox: an event is committed here before the sender gets its 2xx, and deduplicated on
-- (scope, external_id) where scope is the source id, or 'api' for the generic API.
-- status: pending (to evaluate), parked (learner or course not yet mapped), processed, failed.
create table score_events (
  id uuid primary key default gen_random_uuid(),
  scope text not null,
  external_id text not null,
  source_id uuid references event_sources (id) on delete set null,
  origin text not null check (origin in ('canvas', 'moodle', 'api', 'ags', 'csv')),
  kind text not null check (kind in ('score', 'assignment')),
  platform_id uuid references platforms (id) on delete cascade,
  course_id uuid references courses (id) on delete cascade,
  learner_id uuid references learners (id) on delete cascade,
  -- The LMS's raw ids, kept so a parked event can be mapped once a launch or roster sync knows them.
  lms_course_id text,
  lms_user_id text,
  occurred_at timestamptz not null,
  received_at timestamptz not null default now(),
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'parked', 'processed', 'failed')),
  processed_at timestamptz,
  attempts integer not null default 0,
  error text,
  unique (scope, external_id)
);
-- The relay scans what was accepted but never processed (Redis down, worker died).
create index score_events_unprocessed on score_events (received_at) where status = 'pending';
create index score_events_parked on score_events (platform_id, received_at) where status = 'parked';
create index score_events_learner on score_events (course_id, learner_id);

-- The latest score per learner and assignment: the newest occurred_at wins, so an older event
-- delivered late never overwrites a newer score.
create table learner_scores (
  course_id uuid not null references courses (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  assignment_id uuid not null references assignments (id) on delete cascade,
  score_given numeric,
  score_maximum numeric,
  excused boolean not null default false,
  missing boolean not null default false,
  occurred_at timestamptz not null,
  event_id uuid references score_events (id) on delete set null,
  updated_at timestamptz not null default now(),
  primary key (course_id, learner_id, assignment_id)
);
create index learner_scores_assignment on learner_scores (assignment_id);
