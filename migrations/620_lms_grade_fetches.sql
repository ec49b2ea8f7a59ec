-- Grades that existed before Laurel: one row per course whose grade items and current grades Laurel
-- fetched (or tried to fetch) from the LMS through the Moodle plugin's export. The first launch of a
-- course fetches when no row exists; the instructor's "Fetch grades from Moodle" fetches again.
create table lms_grade_fetches (
  course_id uuid primary key references courses(id) on delete cascade,
  source_id uuid references event_sources(id) on delete set null,
  -- running: pages are being read (by a launch, the button or the job); done; failed (see error).
  status text not null check (status in ('running', 'done', 'failed')),
  -- Where the next page starts (the plugin's `next`), so a job continues what a launch began.
  next_after text,
  pages integer not null default 0,
  events integer not null default 0,
  error text,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);

-- Every launch applies its course's pending grade items and its person's pending grades before the
-- page renders (src/events/launch-settle.ts): found through this index, not by reading the course's
-- whole event history.
create index score_events_pending_course on score_events (course_id, learner_id) where status = 'pending';
