-- Foundation: API tokens, audit log, dead letters.
-- Migrations never name a schema: tests run each suite in its own schema through search_path.

create table api_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null check (length(name) between 1 and 100),
  -- The first characters of the token, shown in listings so an admin can tell tokens apart.
  token_prefix text not null,
  -- SHA-256 of the whole token: tokens are 256-bit random, so a fast hash is enough and a leak of
  -- this table reveals no usable token.
  token_hash text not null unique,
  scopes text[] not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table audit_log (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor text not null,
  action text not null,
  subject_type text not null,
  subject_id text,
  platform_id text,
  course_id text,
  details jsonb not null default '{}'
);
create index audit_log_at on audit_log (at desc);
create index audit_log_course on audit_log (course_id, at desc);

create table dead_letters (
  id bigint generated always as identity primary key,
  queue text not null,
  job_id text not null,
  job_name text not null,
  payload jsonb not null,
  reason text not null,
  attempts integer not null,
  failed_at timestamptz not null default now(),
  resolved_at timestamptz,
  unique (queue, job_id)
);
