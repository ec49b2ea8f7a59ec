-- Platforms, deployments, courses, learners, enrolments, assignments.
-- A platform is keyed on (issuer, client_id); ltijs ignores deployments, so we track them here and
-- refuse launches from deployments we do not know.

create table platforms (
  id uuid primary key default gen_random_uuid(),
  issuer text not null,
  client_id text not null,
  name text not null,
  lms text not null default 'other' check (lms in ('canvas', 'moodle', 'other')),
  auth_endpoint text not null,
  token_endpoint text not null,
  jwks_url text not null,
  -- Pending until an admin confirms a dynamic registration (Moodle keeps tools pending likewise).
  status text not null default 'active' check (status in ('pending', 'active', 'disabled')),
  registration jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (issuer, client_id)
);

create table deployments (
  id uuid primary key default gen_random_uuid(),
  platform_id uuid not null references platforms (id) on delete cascade,
  deployment_id text not null,
  created_at timestamptz not null default now(),
  unique (platform_id, deployment_id)
);

-- A course is an LTI context of one platform, or a manual course (platform_id null) made through the API.
create table courses (
  id uuid primary key default gen_random_uuid(),
  platform_id uuid references platforms (id) on delete cascade,
  deployment_id uuid references deployments (id) on delete set null,
  context_id text,
  external_id text,
  title text not null,
  label text,
  -- LMS-native course id ($Canvas.course.id / Moodle course id) to map LMS events.
  lms_course_id text,
  ags_lineitems_url text,
  nrps_url text,
  roster_synced_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (platform_id, context_id)
);
create unique index courses_manual_external on courses (external_id) where platform_id is null and external_id is not null;
create index courses_lms_course on courses (platform_id, lms_course_id);

create table learners (
  id uuid primary key default gen_random_uuid(),
  platform_id uuid references platforms (id) on delete cascade,
  lti_user_id text,
  -- LMS-native user id ($Canvas.user.id / Moodle user id) to map LMS events.
  lms_user_id text,
  email text,
  name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (platform_id, lti_user_id)
);
create index learners_lms_user on learners (platform_id, lms_user_id);
-- Manual learners (no platform) are identified by email.
create unique index learners_manual_email on learners (lower(email)) where platform_id is null;

create table enrollments (
  course_id uuid not null references courses (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  roles text[] not null default '{}',
  status text not null default 'active' check (status in ('active', 'inactive', 'deleted')),
  source text not null default 'launch' check (source in ('launch', 'roster', 'api', 'event')),
  updated_at timestamptz not null default now(),
  primary key (course_id, learner_id)
);
create index enrollments_learner on enrollments (learner_id);

-- Assignments as Laurel knows them: from events, AGS line items, CSV imports or the API.
-- source_key is stable per origin: 'lti:<lineitem url>', 'canvas:<assignment id>', 'moodle:<item id>', 'api:<id>'.
create table assignments (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  source_key text not null,
  name text not null,
  points_possible numeric,
  due_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (course_id, source_key)
);
