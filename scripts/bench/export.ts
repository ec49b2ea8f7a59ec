// Course export benchmark. Prints one JSON object per line:
//   export.seconds   wall time of exportCourse for the whole course (params.learners)
//   export.peak_mb   peak resident memory (RSS) of this process during the export
//   export.clr_per_s signed CLRs written per second
//   export.cpu_seconds CPU time of this process (all threads) during the export: on a shared, loaded
//                    machine wall time mostly measures the neighbours, CPU time / cores does not
// What it measures: the real export path (keyset-paginated reads from PostgreSQL, CLR building, BOTH
// proofs on every CLR (eddsa-rdfc-2022 Data Integrity and RS256 VC-JWT) by the credentials engine,
// JSON Lines + CSV written to disk). What it does not: badge issuing. The course is seeded in SQL:
// one learner's 5 badges are issued and signed for real, and every other learner's 5 credential rows
// reuse those 5 signed documents unchanged (same shape and size as real ones; their embedded proofs
// stay valid, only their ids repeat).
// Runs in a private PostgreSQL schema that is dropped afterwards.
// Usage: node dist/scripts/bench/export.js [--learners 10000] [--badges 5] [--threads N (signing threads; default cores, max 4)]
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Pool } from 'pg';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import { loadConfig } from '../../src/config';
import { createManualCourse, enroll, upsertManualLearner } from '../../src/courses';
import { createDatabase, migrate } from '../../src/db';
import { createProcessClrSigner, exportCourse, transcriptOptions } from '../../src/transcripts';
import { measure } from './report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function main(): Promise<void> {
  const learners = arg('learners', 10000);
  const badges = arg('badges', 5);
  const config = loadConfig();
  const defaults = transcriptOptions(config);
  const options = { ...defaults, signThreads: arg('threads', defaults.signThreads) };
  if (!options.clrContext) throw new Error('CLR 2.0.1 context not found: run laurel standards fetch');
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new Pool({ connectionString: config.DATABASE_URL, max: 1 });
  await admin.query(`create schema ${schema}`);
  const database = createDatabase({ url: config.DATABASE_URL, schema, max: 4 });
  const outDir = mkdtempSync(join(tmpdir(), 'laurel-export-bench-'));
  try {
    await migrate(database.pool);
    const db = database.db as unknown as Kysely<unknown>;
    const badgesDeps: BadgesDeps = { db: database.db, credentials: createCredentialPort({ db, config: { ...config, ISSUE_SIGN_THREADS: 0 }, schema }), baseUrl: config.BASE_URL };
    // (The seed's five badges are signed on this thread: badge-signing threads would sit in the
    // process through the export and count in its peak memory, which is the export's figure.)
    const course = await createManualCourse(database.db, { title: 'Bench Biology' });
    const first = await upsertManualLearner(database.db, { email: 'learner0@example.edu', name: 'Learner 0' });
    await enroll(database.db, { courseId: course.id, learnerId: first.id, source: 'api' });
    for (let b = 0; b < badges; b += 1) {
      const a = await createAchievement(badgesDeps, { courseId: course.id, name: `Badge ${b + 1}`, description: `Badge ${b + 1}.`, criteriaNarrative: 'Score 80% or more.', requiredPercent: 80, actor: 'bench' });
      const { award } = await awardBadge(badgesDeps, { achievementId: a.id, learnerId: first.id, score: 90, actor: 'bench', source: 'manual' });
      await issueCredential(badgesDeps, { awardId: award.id });
    }
    const seedStart = Date.now();
    await database.pool.query(
      `with l as (
         insert into learners (email, name) select 'learner' || g || '@example.edu', 'Learner ' || g from generate_series(1, $1::int - 1) g returning id
       ), e as (insert into enrollments (course_id, learner_id, source) select $2, id, 'api' from l)
       insert into awards (achievement_id, learner_id, course_id, score, evidence, source, awarded_by)
       select a.id, l.id, $2, 80 + (random() * 20)::int, '[]', 'manual', 'bench' from l cross join achievements a where a.course_id = $2`,
      [learners, course.id],
    );
    await database.pool.query(
      `insert into credentials (id, award_id, issuer_id, document, jws, issued_at)
       select gen_random_uuid(), aw.id, t.issuer_id, t.document, t.jws, now()
       from awards aw join awards src on src.achievement_id = aw.achievement_id and src.learner_id = $1
       join credentials t on t.award_id = src.id
       where aw.course_id = $2 and aw.learner_id <> $1`,
      [first.id, course.id],
    );
    await database.pool.query(`update awards set credential_id = c.id from credentials c where c.award_id = awards.id and awards.credential_id is null`);
    await database.pool.query('analyze');
    process.stderr.write(`seeded ${learners} learners x ${badges} badges in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const signer = createProcessClrSigner({ db, config, options, schema });
    const deps = { db, config, options, signer };
    const m = measure();
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    const result = await exportCourse(deps, {
      courseId: course.id,
      dir: outDir,
      onProgress: (p) => void process.stderr.write(`\r${p.learnersDone}/${p.learnersTotal}`),
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const cpu = process.cpuUsage(cpuStart);
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    process.stderr.write(`\n${result.credentialsWritten} CLRs, files ${result.files.map((f) => `${f.name} ${(f.bytes / 1e6).toFixed(1)} MB`).join(', ')}\n`);
    const params = { learners, badges, signThreads: options.signThreads };
    const out = (name: string, value: number, unit: string) => m.emit(name, value, unit, params);
    out('export.seconds', seconds, 's');
    out('export.peak_mb', peak / 1048576, 'MB');
    out('export.clr_per_s', result.credentialsWritten / seconds, '1/s');
    out('export.cpu_seconds', (cpu.user + cpu.system) / 1e6, 's');
    process.stderr.write(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} cores\n`);
    await signer.close?.();
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    await database.close();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench export: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
