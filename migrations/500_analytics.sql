-- Analytics (src/analytics): daily counters of what happens to a course's badges after they are issued.
-- One row per (course, achievement, UTC day, kind), bumped with INSERT ... ON CONFLICT DO UPDATE, so a
-- count is one short statement and concurrent requests never lose an increment. "issued" is not stored:
-- it is derived from credentials.issued_at, which is already exact and durable.
create table analytics_daily (
  course_id uuid not null references courses (id) on delete cascade,
  achievement_id uuid not null references achievements (id) on delete cascade,
  day date not null,
  kind text not null check (kind in ('viewed', 'downloaded', 'linkedin', 'verified')),
  count bigint not null default 0 check (count >= 0),
  primary key (course_id, achievement_id, day, kind)
);
create index analytics_daily_course_day on analytics_daily (course_id, day);

-- Status-list fetches belong to an issuer's list, not to a badge: a verifier fetches the whole list
-- whichever credential it checks. Counted per list and day; a course reads the lists its credentials use.
create table analytics_status_list_daily (
  list_id text not null,
  day date not null,
  count bigint not null default 0 check (count >= 0),
  primary key (list_id, day)
);
