import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Config } from '../../src/config';
import { enroll, upsertManualLearner } from '../../src/courses';
import { EXPORT_FILES, exportCourse, type ClrSignerPool, type ExportProgress, type TranscriptsDeps } from '../../src/transcripts';
import * as records from '../../src/transcripts/records';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { badgesDepsOf, cloneLearners, describeWithClrSpec, seedCourse, testOptions, transcriptsDeps, verifyJws } from './support';

// The export must never read a course whole: these tests watch its reads and its signing window.
describeWithClrSpec('course export in bounded memory', () => {
  let tdb: TestDatabase;
  let config: Config;
  let db: Kysely<unknown>;
  let courseId: string;
  /** The five learners the export must cover, and the one it must not (deleted enrollment). */
  let expected: string[];
  let deletedLearner: string;
  /** The enrolled learner without any badge: a CSV row, no CLR. */
  let idleLearner: string;
  let dir: string;

  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 4 });
    config = testConfig({ BASE_URL: 'http://laurel.test' });
    db = tdb.db as unknown as Kysely<unknown>;
    const course = await seedCourse(badgesDepsOf(db, config), { title: 'Chemistry', badges: 1, learners: 1 });
    courseId = course.courseId;
    await cloneLearners(db, { courseId, templateLearnerId: course.learners[0]!.id, count: 3 });
    // One clone keeps its award but loses its enrollment: holding an award is enough to be exported.
    const clones = (await sql<{ learner_id: string }>`select learner_id from enrollments where course_id = ${courseId} and learner_id <> ${course.learners[0]!.id} order by learner_id`.execute(db)).rows;
    await sql`delete from enrollments where course_id = ${courseId} and learner_id = ${clones[1]!.learner_id}`.execute(db);
    const idle = await upsertManualLearner(tdb.db, { email: 'idle@example.edu', name: 'No Badges' });
    await enroll(tdb.db, { courseId, learnerId: idle.id, source: 'api' });
    const gone = await upsertManualLearner(tdb.db, { email: 'gone@example.edu', name: 'Deleted' });
    await enroll(tdb.db, { courseId, learnerId: gone.id, source: 'api' });
    await sql`update enrollments set status = 'deleted' where learner_id = ${gone.id}`.execute(db);
    deletedLearner = gone.id;
    idleLearner = idle.id;
    expected = [course.learners[0]!.id, ...clones.map((c) => c.learner_id), idle.id].sort();
    dir = mkdtempSync(join(tmpdir(), 'clr-export-paging-'));
  }, 60000);
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await tdb.close();
  });
  afterEach(() => jest.restoreAllMocks());

  it('reads 5 learners in pages of 2 (never more), writes all 5 in learner order, and reports progress per page', async () => {
    const pages = jest.spyOn(records, 'learnerPage');
    const badgeReads = jest.spyOn(records, 'loadStoredBadges');
    const deps = transcriptsDeps(db, config, testOptions(join(dir, 'paged'), { batchSize: 2 }));
    const progress: ExportProgress[] = [];
    const result = await exportCourse(deps, { courseId, dir: join(dir, 'paged'), onProgress: (p) => void progress.push(p) });

    expect(result).toMatchObject({ learnersDone: 5, learnersTotal: 5, credentialsWritten: 4 });
    // Keyset pages: 2, 2, 1 (a short page ends the read), each after the last id of the one before.
    const calls = pages.mock.calls.map(([, props]) => props);
    expect(calls.map((c) => c.limit)).toEqual([2, 2, 2]);
    const returned = await Promise.all(pages.mock.results.map((r) => r.value as Promise<records.LearnerRecord[]>));
    expect(returned.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(calls.map((c) => c.after)).toEqual([null, returned[0]![1]!.id, returned[1]![1]!.id]);
    expect(returned.flat().map((l) => l.id)).toEqual(expected);
    // Badges are read per page too, never for the whole course.
    expect(badgeReads.mock.calls.map(([, props]) => props.learnerIds.length)).toEqual([2, 2, 1]);
    expect(progress.map((p) => p.learnersDone)).toEqual([2, 4, 5]);

    const csv = readFileSync(join(dir, 'paged', EXPORT_FILES.summary), 'utf8').replace(/^\uFEFF/, '').trim().split('\r\n').slice(1);
    expect(csv.map((row) => row.split(',')[0])).toEqual(expected);
    expect(csv.join('\n')).not.toContain(deletedLearner);
    const lines = readFileSync(join(dir, 'paged', EXPORT_FILES.clr), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { learnerId: string; jws: string });
    expect(lines.map((l) => l.learnerId)).toEqual(expected.filter((id) => id !== idleLearner));
    const { payload } = await verifyJws(db, lines.at(-1)!.jws);
    expect(payload.sub).toBe(`urn:uuid:${lines.at(-1)!.learnerId}`);
  }, 60000);

  it('keeps at most inFlight learners at the signing threads and writes lines in learner order whatever order they finish in', async () => {
    const base = transcriptsDeps(db, config, testOptions(join(dir, 'window'), { batchSize: 2 }));
    let running = 0;
    let peak = 0;
    const sent: string[] = [];
    // A stand-in for the thread pool: finishes requests in reverse order of arrival, one tick apart.
    const pool: ClrSignerPool = {
      inFlight: 3,
      sign: base.signer.sign,
      async signLine(request) {
        running += 1;
        peak = Math.max(peak, running);
        sent.push(request.learner.id);
        await new Promise((resolve) => setTimeout(resolve, 30 - sent.length * 5));
        running -= 1;
        return request.badges.length ? `{"learnerId":"${request.learner.id}"}\n` : undefined;
      },
      close: async () => undefined,
    };
    const deps: TranscriptsDeps = { ...base, signer: pool };
    const result = await exportCourse(deps, { courseId, dir: join(dir, 'window') });
    expect(result.learnersDone).toBe(5);
    expect(peak).toBe(3);
    expect(sent).toEqual(expected);
    const written = readFileSync(join(dir, 'window', EXPORT_FILES.clr), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { learnerId: string }).learnerId);
    expect(written).toEqual(expected.filter((id) => id !== idleLearner));
  }, 30000);

  it('fails the export, not hangs it, when a signing request fails', async () => {
    const base = transcriptsDeps(db, config, testOptions(join(dir, 'failing'), { batchSize: 2 }));
    const pool: ClrSignerPool = {
      inFlight: 2,
      sign: base.signer.sign,
      signLine: async (request) => {
        if (request.learner.id === expected[2]) throw new Error('CLR signing thread stopped (exit code 1)');
        return undefined;
      },
      close: async () => undefined,
    };
    await expect(exportCourse({ ...base, signer: pool }, { courseId, dir: join(dir, 'failing') })).rejects.toThrow('CLR signing thread stopped');
  }, 30000);
});
