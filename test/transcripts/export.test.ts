import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Config } from '../../src/config';
import { enroll, upsertManualLearner } from '../../src/courses';
import { EXPORT_FILES, getExport, performExportCourse, requestCourseExport, type TranscriptsDeps } from '../../src/transcripts';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { badgesDepsOf, cloneLearners, clrSchemaValidator, describeWithClrSpec, seedCourse, testOptions, transcriptsDeps, verifyJws, type SeededCourse } from './support';

let tdb: TestDatabase;
let config: Config;
let db: Kysely<unknown>;
let deps: TranscriptsDeps;
let course: SeededCourse;

describeWithClrSpec('course export (50 learners, streaming job)', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 6 });
    config = testConfig({ BASE_URL: 'http://laurel.test' });
    db = tdb.db as unknown as Kysely<unknown>;
    course = await seedCourse(badgesDepsOf(db, config), { title: 'Biology', badges: 2, learners: 1 });
    await cloneLearners(db, { courseId: course.courseId, templateLearnerId: course.learners[0]!.id, count: 48, namePrefix: '=cmd|calc' });
    const idle = await upsertManualLearner(tdb.db, { email: 'idle@example.edu', name: 'No Badges' });
    await enroll(tdb.db, { courseId: course.courseId, learnerId: idle.id, source: 'api' });
    deps = transcriptsDeps(db, config, testOptions(mkdtempSync(join(tmpdir(), 'clr-export-'))));
  }, 60000);
  afterAll(() => tdb.close());

  it('writes one signed CLR per learner with badges and a CSV row per award, reporting progress per batch', async () => {
    const enqueued: string[] = [];
    const { row } = await requestCourseExport(deps, { courseId: course.courseId, actor: 'test' }, async (r) => void enqueued.push(r.job_id));
    expect(enqueued).toEqual([`transcripts.${course.courseId}.1`]);
    const progress: unknown[] = [];
    const result = await performExportCourse(deps, { exportId: row.id }, { attempt: 1, lastAttempt: false, progress: async (p) => void progress.push(p) });
    expect(result).toEqual({ learners: 50, credentials: 49 });
    expect(progress.length).toBe(Math.ceil(50 / 7)); // batch size 7 in tests
    expect(progress.at(-1)).toMatchObject({ learnersDone: 50, learnersTotal: 50, percent: 100 });

    const done = (await getExport(deps, row.id))!;
    expect(done.status).toBe('done');
    expect(done.learners_done).toBe(50);
    expect(done.expires_at!.getTime()).toBeGreaterThan(Date.now() + 23 * 3600 * 1000);
    const dir = join(deps.options.exportDir, row.id);
    const lines = readFileSync(join(dir, EXPORT_FILES.clr), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { learnerId: string; credential: Record<string, unknown>; jws: string });
    expect(lines).toHaveLength(49);
    expect(new Set(lines.map((l) => l.learnerId)).size).toBe(49);
    const validate = clrSchemaValidator();
    for (const line of [lines[0]!, lines.at(-1)!]) {
      expect(validate(line.credential)).toEqual([]);
      const { payload } = await verifyJws(db, line.jws);
      expect(payload.jti).toBe(line.credential.id);
      expect(payload.sub).toBe(`urn:uuid:${line.learnerId}`);
    }

    const csv = readFileSync(join(dir, EXPORT_FILES.summary), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(csv[0]).toBe('learner_id,learner_name,email,badge,score,issued,status,verification_url');
    expect(csv).toHaveLength(1 + 49 * 2 + 1);
    expect(csv.filter((l) => l.includes(',none,'))).toHaveLength(1);
    // Formula-looking names are neutralised.
    expect(csv.filter((l) => l.includes(",'=cmd|calc "))).toHaveLength(48 * 2);
    expect(csv.some((l) => /,=cmd/.test(l))).toBe(false);
    expect(csv.slice(1).filter((l) => l.includes(',issued,http://laurel.test/credentials/'))).toHaveLength(98);
  }, 60000);

  it('returns the running export to a second request, and starts a new generation only on refresh', async () => {
    const enqueued: string[] = [];
    const enqueue = async (r: { job_id: string }) => void enqueued.push(r.job_id);
    const finished = await requestCourseExport(deps, { courseId: course.courseId, actor: 'test' }, enqueue);
    expect(finished.created).toBe(false);
    const [a, b] = await Promise.all([
      requestCourseExport(deps, { courseId: course.courseId, actor: 'test', refresh: true }, enqueue),
      requestCourseExport(deps, { courseId: course.courseId, actor: 'test', refresh: true }, enqueue),
    ]);
    expect(a.row.id).toBe(b.row.id);
    expect(a.row.generation).toBe(2);
    expect([...new Set(enqueued)]).toEqual([`transcripts.${course.courseId}.2`]);
  }, 30000);
});
