-- Course transcript exports (CLR 2.0 JSON Lines + CSV summary), one row per generation.
-- A course has at most one export queued or running at a time (transcript_exports_one_active): a second
-- request while one runs gets that one back instead of starting another.
create table transcript_exports (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  generation integer not null check (generation > 0),
  job_id text not null,
  status text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  include_expired boolean not null default false,
  requested_by text not null,
  learners_total integer,
  learners_done integer not null default 0,
  credentials_written integer not null default 0,
  files jsonb not null default '[]',
  error text,
  started_at timestamptz,
  finished_at timestamptz,
  expires_at timestamptz,
  created_at timestamptz not null default now(),
  unique (course_id, generation)
);
create unique index transcript_exports_one_active on transcript_exports (course_id) where status in ('queued', 'running');
create index transcript_exports_expiring on transcript_exports (expires_at) where status = 'done';
