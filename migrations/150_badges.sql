-- Badges: achievements (badge classes) per course, awards (one active per achievement and learner),
-- and the issued, signed credentials. Issuers, keys and status lists belong to src/credentials.

create table achievements (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  -- The issuer profile that signs this achievement's credentials (src/credentials); null = default issuer.
  issuer_id text,
  name text not null check (length(name) between 1 and 200),
  description text not null check (length(description) between 1 and 4000),
  criteria_narrative text not null check (length(criteria_narrative) between 1 and 8000),
  -- An uploaded image (bytes + media type) or an external URL; neither = generated default badge.
  image_bytes bytea,
  image_mime text check (image_mime in ('image/png', 'image/svg+xml')),
  image_url text,
  primary_color text check (primary_color ~ '^#[0-9a-fA-F]{6}$'),
  secondary_color text check (secondary_color ~ '^#[0-9a-fA-F]{6}$'),
  -- [{targetName, targetUrl, targetFramework?, targetCode?, targetDescription?, targetType?}]
  alignments jsonb not null default '[]',
  -- ResultDescription of type Percent: the threshold the learner had to reach (requiredValue).
  required_percent numeric(5, 2) check (required_percent between 0 and 100),
  valid_for_days integer check (valid_for_days > 0),
  rule jsonb,
  rule_version integer not null default 1,
  status text not null default 'published' check (status in ('draft', 'published', 'archived')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (image_bytes is null or image_mime is not null)
);
create index achievements_course on achievements (course_id, created_at);

create table awards (
  id uuid primary key default gen_random_uuid(),
  achievement_id uuid not null references achievements (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  course_id uuid not null references courses (id) on delete cascade,
  status text not null default 'issued' check (status in ('issued', 'revoked', 'expired')),
  -- The learner's score in percent when the award came from an assessment.
  score numeric(6, 2) check (score >= 0),
  -- [{id?, name, description?, narrative?, genre?}]: the assessment(s) behind the award.
  evidence jsonb not null default '[]',
  source text not null check (source in ('manual', 'rule', 'import')),
  awarded_by text not null,
  awarded_at timestamptz not null default now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  revoked_reason text,
  revoked_by text,
  -- Null until the issue job has signed and stored the credential.
  credential_id uuid,
  visibility text not null default 'public' check (visibility in ('public', 'private')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check ((status = 'revoked') = (revoked_at is not null))
);
-- Exactly one active award per (achievement, learner): the database decides under concurrency
-- (awardBadge inserts with ON CONFLICT DO NOTHING against this index, never check-then-insert).
-- A revoked award frees the pair so the badge can be earned again.
create unique index awards_one_active on awards (achievement_id, learner_id) where status <> 'revoked';
create index awards_course on awards (course_id, achievement_id);
create index awards_learner on awards (learner_id);
create index awards_expiring on awards (expires_at) where status = 'issued' and expires_at is not null;

create table credentials (
  id uuid primary key,
  -- One credential per award; a second concurrent issue fails here instead of signing twice.
  award_id uuid not null unique references awards (id) on delete cascade,
  issuer_id text not null,
  -- The signed OpenBadgeCredential with its embedded Data Integrity proof(s).
  document jsonb not null,
  -- The VC-JWT form (compact JWS) of the same credential.
  jws text not null,
  status_list_id text,
  status_index integer check (status_index >= 0),
  key_ids text[] not null default '{}',
  issued_at timestamptz not null,
  valid_until timestamptz,
  created_at timestamptz not null default now()
);
create unique index credentials_status_entry on credentials (status_list_id, status_index) where status_list_id is not null;

alter table awards add constraint awards_credential_fk foreign key (credential_id) references credentials (id) on delete set null;
