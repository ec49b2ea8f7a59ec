-- Credential engine: issuers (did:web identities), signing keys (encrypted at rest), status lists.

create table credential_issuers (
  -- Short slug; 'default' is the installation's issuer (did:web of the BASE_URL host).
  id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  did text not null unique,
  name text not null,
  url text,
  email text,
  description text,
  image_url text,
  -- An issuer per LMS platform is optional; null means installation-wide.
  platform_id uuid references platforms (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table signing_keys (
  -- Verification method id / JWS kid: '<issuer did>#<fragment>'.
  id text primary key,
  issuer_id text not null references credential_issuers (id) on delete cascade,
  algorithm text not null check (algorithm in ('Ed25519', 'RS256')),
  public_jwk jsonb not null,
  -- AES-256-GCM under KEY_ENCRYPTION_KEY, bound to the key id as associated data.
  private_key_enc text not null,
  status text not null default 'active' check (status in ('active', 'retired')),
  created_at timestamptz not null default now(),
  retired_at timestamptz
);
-- Exactly one active key per issuer and algorithm: rotation retires the old one in the same transaction.
create unique index signing_keys_one_active on signing_keys (issuer_id, algorithm) where status = 'active';

create table status_lists (
  id uuid primary key default gen_random_uuid(),
  issuer_id text not null references credential_issuers (id) on delete cascade,
  purpose text not null default 'revocation' check (purpose in ('revocation', 'suspension')),
  -- Number of entries; at least 131,072 (16 KiB) for herd privacy, as the spec requires.
  size integer not null default 131072 check (size >= 131072 and size % 8 = 0),
  next_index integer not null default 0,
  -- Bit i of the list is the most significant bit first (spec order), see src/credentials/status-list.ts.
  bits bytea not null,
  -- Bumped on every change; the HTTP ETag of the served list credential.
  version bigint not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index status_lists_issuer on status_lists (issuer_id, created_at);
