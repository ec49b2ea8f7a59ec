-- The Open Badges 3.0 API as a host (src/obapi): dynamically registered clients, the learner's
-- consent (grants), authorization codes, access and refresh tokens, and one-time sign-in links.
-- Every secret (client secret, code, token, link) is stored as its SHA-256, never in clear.

create table obapi_clients (
  id text primary key,
  secret_hash text not null,
  name text not null,
  client_uri text not null,
  logo_uri text,
  tos_uri text,
  policy_uri text,
  software_id text,
  software_version text,
  redirect_uris text[] not null,
  -- Space-separated scopes the client registered for; a request for more is refused.
  scope text not null,
  created_at timestamptz not null default now()
);

-- A validated /authorize request waiting for the learner's decision (single use, short-lived).
create table obapi_authorization_requests (
  id uuid primary key default gen_random_uuid(),
  client_id text not null references obapi_clients (id) on delete cascade,
  learner_id uuid references learners (id) on delete cascade,
  redirect_uri text not null,
  scope text not null,
  state text,
  code_challenge text not null,
  expires_at timestamptz not null,
  decided_at timestamptz,
  created_at timestamptz not null default now()
);

-- A learner's consent to one client: what the learner sees and revokes on their page.
create table obapi_grants (
  id uuid primary key default gen_random_uuid(),
  client_id text not null references obapi_clients (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  scope text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index obapi_grants_learner on obapi_grants (learner_id) where revoked_at is null;

create table obapi_codes (
  code_hash text primary key,
  grant_id uuid not null references obapi_grants (id) on delete cascade,
  client_id text not null,
  redirect_uri text not null,
  scope text not null,
  code_challenge text not null,
  expires_at timestamptz not null,
  used_at timestamptz
);

create table obapi_tokens (
  token_hash text primary key,
  grant_id uuid not null references obapi_grants (id) on delete cascade,
  kind text not null check (kind in ('access', 'refresh')),
  scope text not null,
  expires_at timestamptz not null,
  -- Refresh tokens rotate: set when exchanged; a second exchange revokes the whole grant.
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index obapi_tokens_grant on obapi_tokens (grant_id);

create table obapi_sign_in_links (
  token_hash text primary key,
  learner_id uuid not null references learners (id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz
);
