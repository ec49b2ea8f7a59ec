-- OpenID for Verifiable Credential Issuance 1.0 (src/wallets): pre-authorized code offers, the access
-- tokens they turn into, c_nonces, and the holder-bound copies of credentials handed to wallets.
-- Every secret (pre-authorized code, transaction code, access token, nonce) is stored as its SHA-256.

create table wallet_offers (
  -- Random, unguessable: the last segment of credential_offer_uri.
  id text primary key,
  award_id uuid not null references awards (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  code_hash text not null unique,
  tx_code_hash text,
  -- Wrong transaction codes so far; the offer dies at the limit (src/wallets/offers.ts).
  tx_code_failures integer not null default 0,
  expires_at timestamptz not null,
  -- Set when the pre-authorized code is exchanged (single use).
  redeemed_at timestamptz,
  created_at timestamptz not null default now()
);
create index wallet_offers_award on wallet_offers (award_id);
create index wallet_offers_expiry on wallet_offers (expires_at);

create table wallet_access_tokens (
  token_hash text primary key,
  offer_id text not null references wallet_offers (id) on delete cascade,
  award_id uuid not null references awards (id) on delete cascade,
  -- Credential configurations already issued with this token (each at most once).
  issued_configurations text[] not null default '{}',
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);

create table wallet_nonces (
  nonce_hash text primary key,
  expires_at timestamptz not null,
  created_at timestamptz not null default now()
);
create index wallet_nonces_expiry on wallet_nonces (expires_at);

-- A credential issued to a wallet's key (credentialSubject.id = the holder's DID): the original's
-- claims, its own id and its own status-list entry, revoked together with the award.
create table holder_credentials (
  id uuid primary key,
  award_id uuid not null references awards (id) on delete cascade,
  offer_id text references wallet_offers (id) on delete set null,
  holder_id text not null,
  format text not null check (format in ('ldp_vc', 'jwt_vc_json')),
  -- The signed credential: the Data Integrity document (ldp_vc) or the compact JWS (jwt_vc_json).
  document jsonb,
  jws text,
  status_list_id text not null,
  status_index integer not null check (status_index >= 0),
  issued_at timestamptz not null default now(),
  unique (status_list_id, status_index)
);
create index holder_credentials_award on holder_credentials (award_id);
