-- LTI tool side: the ltijs storage plugin's documents, resource links, and deep-linked targets.

-- One row per ltijs document. ltijs was written for MongoDB and addresses documents by collection
-- ('platform', 'platformStatus', 'publickey', 'privatekey', 'idtoken', 'contexttoken', 'accesstoken',
-- 'nonce', 'state') and equality on fields, which maps onto jsonb containment.
create table lti_store (
  id bigint generated always as identity primary key,
  collection text not null,
  doc jsonb not null,
  created_at timestamptz not null default now(),
  -- What MongoDB TTL indexes would expire; purged on a timer (null = kept).
  expires_at timestamptz
);
create index lti_store_doc on lti_store using gin (doc jsonb_path_ops);
create index lti_store_collection on lti_store (collection);
create index lti_store_expires on lti_store (expires_at) where expires_at is not null;
-- The unique indexes ltijs declares on MongoDB, plus a unique nonce: two concurrent posts of the same
-- id_token both pass ltijs's read-then-insert check, so the database must refuse the second insert.
create unique index lti_store_nonce on lti_store ((doc ->> 'nonce')) where collection = 'nonce';
create unique index lti_store_state on lti_store ((doc ->> 'state')) where collection = 'state';
create unique index lti_store_platform on lti_store ((doc ->> 'platformUrl'), (doc ->> 'clientId')) where collection = 'platform';
create unique index lti_store_platform_kid on lti_store ((doc ->> 'kid')) where collection = 'platform';
create unique index lti_store_platform_status on lti_store ((doc ->> 'id')) where collection = 'platformStatus';
create unique index lti_store_keys on lti_store (collection, (doc ->> 'kid')) where collection in ('publickey', 'privatekey');
create unique index lti_store_access_token on lti_store ((doc ->> 'platformUrl'), (doc ->> 'clientId'), (doc ->> 'scopes')) where collection = 'accesstoken';
create unique index lti_store_idtoken on lti_store ((doc ->> 'iss'), (doc ->> 'clientId'), (doc ->> 'deploymentId'), (doc ->> 'user')) where collection = 'idtoken';
create unique index lti_store_contexttoken on lti_store ((doc ->> 'contextId'), (doc ->> 'user')) where collection = 'contexttoken';

-- Resource links seen in launches: what background jobs need later (AGS line item, the placed target).
create table lti_resource_links (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  resource_link_id text not null,
  title text,
  -- The AGS line item bound to this link (set when the link was placed as an assignment).
  lineitem_url text,
  -- What the link opens: 'course' or 'achievement:<id>' (from Deep Linking custom parameters).
  target text not null default 'course',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (course_id, resource_link_id)
);
