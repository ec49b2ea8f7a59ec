-- Tiered badges (Bronze / Silver / Gold): a group of achievements of one course whose rules differ
-- only in their thresholds. Each tier stays a full achievement (its own credential, awards, rule
-- version); this table only says which achievements form a ladder, in which order, under which name.

create table badge_tier_groups (
  id uuid primary key default gen_random_uuid(),
  course_id uuid not null references courses (id) on delete cascade,
  -- The badge's name without the tier ("Quiz mastery"); tiers are named "Quiz mastery: Bronze".
  name text not null check (length(name) between 1 and 200),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index badge_tier_groups_course on badge_tier_groups (course_id);

create table badge_tiers (
  -- An achievement belongs to at most one group.
  achievement_id uuid primary key references achievements (id) on delete cascade,
  group_id uuid not null references badge_tier_groups (id) on delete cascade,
  -- 0 = lowest tier; thresholds rise with the rank (checked by the use-case).
  rank integer not null check (rank between 0 and 4),
  tier_name text not null check (length(tier_name) between 1 and 40),
  unique (group_id, rank)
);
create unique index badge_tiers_name on badge_tiers (group_id, lower(tier_name));
