-- Tenancy (issue 15): instance operators, one-time operator sign-in links, platform-bound API tokens.

-- Operators are named by the people who run Laurel (`laurel operator add`), never by an LMS role:
-- a person of a registered platform, by that platform's LTI user id (the launch's `sub`).
create table operators (
  id uuid primary key default gen_random_uuid(),
  platform_id uuid not null references platforms (id) on delete cascade,
  lti_user_id text not null check (length(lti_user_id) between 1 and 255),
  note text,
  created_at timestamptz not null default now(),
  unique (platform_id, lti_user_id)
);

-- `laurel operator link` prints a URL carrying a secret; only its SHA-256 is stored. One use, short life.
create table operator_links (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  label text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

-- A token bound to a platform reaches that platform's objects only; null = instance-wide (operators).
alter table api_tokens add column platform_id uuid references platforms (id) on delete cascade;
create index api_tokens_platform on api_tokens (platform_id) where platform_id is not null;
