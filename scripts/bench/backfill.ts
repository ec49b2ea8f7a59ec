// Backfill benchmark: a rule published on a course that already holds scores is applied to every
// learner (one read of the course, in-memory evaluation, exactly-once awards, issue jobs queued).
// Prints one JSON line:
//   backfill.seconds   wall time of backfillAchievement, params {scores, learners, assignments, awarded}
// Private PostgreSQL schema and BullMQ prefix, dropped at the end.
// Usage: node dist/scripts/bench/backfill.js [--learners 10000] [--assignments 20] [--concurrency 16]
import { join } from 'node:path';
import { config as loadEnv } from 'dotenv';
import { closeContext } from '../../src/context';
import { createManualCourse } from '../../src/courses';
import { migrate } from '../../src/db';
import { backfillAchievement } from '../../src/events';
import { projectRoot } from '../../src/paths';
import { measure } from './report';
import { createScratch, dropScratch } from './scratch';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  loadEnv({ path: join(projectRoot, '.env'), quiet: true });
  const learners = arg('learners', 10_000);
  const assignments = arg('assignments', 20);
  const { prefix, schema, config, admin, database, ctx } = await createScratch();
  try {
    await migrate(database.pool);
    const course = await createManualCourse(database.db, { title: 'Backfill bench' });
    const q = (text: string, values: unknown[] = []) => database.pool.query(text, values);
    await q(`insert into learners (email, name) select 'learner' || g || '@bench.example', 'Learner ' || g from generate_series(1, $1::int) g`, [learners]);
    await q(`insert into enrollments (course_id, learner_id, source) select $1, id, 'api' from learners`, [course.id]);
    await q(`insert into assignments (course_id, source_key, name, points_possible) select $1, 'api:A' || g, 'Assignment ' || g, 100 from generate_series(1, $2::int) g`, [course.id, assignments]);
    // Scores 0-99 spread by a hash, so about half the learners reach 50% on A1.
    await q(
      `insert into learner_scores (course_id, learner_id, assignment_id, score_given, score_maximum, occurred_at)
       select $1, l.id, a.id, abs(hashtext(l.id::text || a.id::text)) % 100, 100, now() from learners l cross join assignments a`,
      [course.id],
    );
    const scores = Number((await q('select count(*) from learner_scores')).rows[0].count);
    const achievementId = (
      await q(`insert into achievements (course_id, name, description, criteria_narrative, rule, status) values ($1, 'Half', 'd', 'c', $2, 'published') returning id`, [
        course.id,
        JSON.stringify({ kind: 'score', assignmentId: 'A1', minPercent: 50 }),
      ])
    ).rows[0].id as string;
    await q('analyze');
    const m = measure();
    const start = performance.now();
    const result = await backfillAchievement(ctx, { achievementId, now: new Date(), concurrency: arg('concurrency', 16) });
    const seconds = (performance.now() - start) / 1000;
    m.emit('backfill.seconds', seconds, 's', { scores, learners, assignments, evaluated: result.evaluated, awarded: result.awarded });
  } finally {
    await closeContext(ctx).catch(() => undefined);
    await dropScratch({ admin, schema, redisUrl: config.REDIS_URL, prefix });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
