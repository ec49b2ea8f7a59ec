-- Reach counters join the analytics day rows: 'notified' (a learner was told of a badge, by email or in
-- Moodle) and 'opened' (the first time a notification email was opened). Each is counted once per award
-- by the reach module's state transitions, so sums are counts of learners.
alter table analytics_daily drop constraint analytics_daily_kind_check;
alter table analytics_daily add constraint analytics_daily_kind_check
  check (kind in ('viewed', 'downloaded', 'linkedin', 'verified', 'notified', 'opened'));
