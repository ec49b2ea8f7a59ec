import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { pointCliAtSchema, runCli } from '../support/cli';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { badgesDepsOf, describeWithClrSpec, seedCourse, verifyJws, type SeededCourse } from './support';

describeWithClrSpec('laurel export clr --course ID --out DIR', () => {
  let tdb: TestDatabase;
  let restoreUrl = (): void => undefined;
  let dir: string;
  let course: SeededCourse;

  beforeAll(async () => {
    tdb = await createTestDatabase();
    course = await seedCourse(badgesDepsOf(tdb.db as unknown as Kysely<unknown>, testConfig()), { title: 'History', badges: 1, learners: 2 });
    // The CLI reads DATABASE_URL: point it at this suite's schema.
    restoreUrl = pointCliAtSchema(tdb.schema);
    dir = mkdtempSync(join(tmpdir(), 'laurel-export-cli-'));
  }, 60000);
  afterAll(async () => {
    restoreUrl();
    rmSync(dir, { recursive: true, force: true });
    await tdb.close();
  });

  it('writes clr.jsonl and summary.csv and lists them on stdout', async () => {
    // The progress line goes to stderr: keep it out of the test output.
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const { out } = await runCli('export', 'clr', '--course', course.courseId, '--out', dir).finally(() => stderr.mockRestore());
    expect(out).toContain(join(dir, 'clr.jsonl'));
    const lines = readFileSync(join(dir, 'clr.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { jws: string; learnerId: string });
    expect(lines.map((l) => l.learnerId).sort()).toEqual(course.learners.map((l) => l.id).sort());
    const { payload } = await verifyJws(tdb.db as never, lines[0]!.jws);
    expect(payload.sub).toBe(`urn:uuid:${lines[0]!.learnerId}`);
    expect(readFileSync(join(dir, 'summary.csv'), 'utf8').trim().split('\r\n')).toHaveLength(3);
  }, 60000);
});
