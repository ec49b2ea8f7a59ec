-- Course exports page through a course's learners by learner id (keyset). Learners holding an award in
-- the course but not enrolled are found through this index, one page at a time; without it every page
-- scanned all of the course's awards (O(n) per page: half a second per page at 50,000 learners).
create index if not exists awards_course_learner on awards (course_id, learner_id);
