-- Reach (src/reach): badges shown where learners already look (LMS gradebook, email, Moodle profile
-- and notifications). Laurel's own tables; the award and course tables stay the badges' and courses'.

-- The AGS scopes the platform granted in the course's last launch: gradebook feedback posts scores only
-- when `score` is among them (a platform may hand out line items without letting the tool grade).
alter table courses add column ags_scopes text[];

-- Per-course switches an instructor controls. No row = the defaults (feedback on).
create table reach_course_settings (
  course_id uuid primary key references courses (id) on delete cascade,
  gradebook_feedback boolean not null default true,
  updated_at timestamptz not null default now()
);

-- A learner's choice about email. No row = emails on (the learner can turn them off in one click).
create table reach_learner_preferences (
  learner_id uuid primary key references learners (id) on delete cascade,
  email_opt_out boolean not null default false,
  updated_at timestamptz not null default now()
);

-- One row per award and channel: what the learner was told and what became of it. The email job's
-- idempotence rests on (award_id, channel): a retried job never sends a second message once sent.
create table reach_notifications (
  award_id uuid not null references awards (id) on delete cascade,
  channel text not null check (channel in ('email', 'moodle')),
  status text not null check (status in ('sent', 'skipped', 'failed')),
  reason text,
  attempts integer not null default 0,
  sent_at timestamptz,
  opened_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (award_id, channel)
);

-- The feedback last accepted by the LMS per course and learner, so an unchanged state is not posted
-- again (Moodle refuses a score whose timestamp is not newer with a 409). posted_at is also bumped when
-- a check found nothing to change: the sweep re-queues learners with award changes newer than it.
create table reach_gradebook_posts (
  course_id uuid not null references courses (id) on delete cascade,
  learner_id uuid not null references learners (id) on delete cascade,
  lineitem_url text not null,
  score_given numeric not null,
  score_maximum numeric not null,
  comment text not null,
  posted_at timestamptz not null,
  primary key (course_id, learner_id, lineitem_url)
);
