import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createManualCourse } from '../../src/courses';
import { startTranscriptsMaintenance } from '../../src/transcripts';
import { transcriptsDepsFor } from '../../src/transcripts/context';
import { exportDir } from '../../src/transcripts/exports';
import { createTestContext, type TestContext } from '../support/context';

describe('scheduled purge of expired transcript exports', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('deletes the files of an export past its download window and keeps a current one', async () => {
    const course = await createManualCourse(ctx.database.db, { title: 'Purge course' });
    const insert = async (generation: number, expiresAt: Date) =>
      (
        await ctx.tdb.pool.query(
          `insert into transcript_exports (course_id, generation, job_id, status, requested_by, files, expires_at)
           values ($1, $3, 'job', 'done', 'test', '[{"name":"clr.jsonl"}]', $2) returning id`,
          [course.id, expiresAt, generation],
        )
      ).rows[0].id as string;
    const expired = await insert(1, new Date(Date.now() - 60_000));
    const current = await insert(2, new Date(Date.now() + 3_600_000));
    const deps = transcriptsDepsFor(ctx);
    for (const id of [expired, current]) {
      mkdirSync(exportDir(deps, id), { recursive: true });
      writeFileSync(join(exportDir(deps, id), 'clr.jsonl'), '{}\n');
    }
    const stop = startTranscriptsMaintenance(ctx, { everyMs: 60_000 });
    for (let i = 0; i < 50 && existsSync(exportDir(deps, expired)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await stop();
    expect(existsSync(exportDir(deps, expired))).toBe(false);
    expect(existsSync(exportDir(deps, current))).toBe(true);
    const files = (await ctx.tdb.pool.query(`select id, files from transcript_exports where id = any($1::uuid[])`, [[expired, current]])).rows;
    expect(files.find((r) => r.id === expired)?.files).toEqual([]);
    expect(files.find((r) => r.id === current)?.files).toHaveLength(1);
  });
});
