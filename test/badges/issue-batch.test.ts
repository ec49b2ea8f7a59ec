// Batched issuance (issue 18): status entries from reserved ranges, awards read and credentials
// stored by one statement per batch. What must not change: one credential per award, a distinct
// status entry per credential, revoked awards never issued, concurrent revocation wins cleanly.
import { sql } from 'kysely';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, revokeAward, type BadgesDeps } from '../../src/badges';
import { createStatusAllocator } from '../../src/badges/credentials-port';
import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { allocateStatusRange, statusEntryOf, type StatusRange } from '../../src/credentials';
import { ensureDefaultIssuer } from '../../src/credentials';
import { isLaurelError } from '../../src/errors';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
let deps: BadgesDeps;
let courseId: string;
const config = testConfig({ BASE_URL: 'http://laurel.test' });

beforeAll(async () => {
  tdb = await createTestDatabase({ max: 10 });
  deps = { db: tdb.db, credentials: createCredentialPort({ db: tdb.db as never, config }), baseUrl: config.BASE_URL };
  courseId = (await createManualCourse(tdb.db, { title: 'Batch 101' })).id;
});
afterAll(() => tdb.close());

async function awards(n: number): Promise<string[]> {
  const achievement = await createAchievement(deps, { courseId, name: 'Batch', description: 'd', criteriaNarrative: 'c', actor: 'test' });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const learner = await upsertManualLearner(tdb.db, { email: `b${Math.random().toString(36).slice(2)}@example.edu` });
    ids.push((await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 90, actor: 'test', source: 'rule' })).award.id);
  }
  return ids;
}

describe('createStatusAllocator (pure)', () => {
  it('hands out every allocation of a range once, reserves again when it runs out, and grows ranges under load', async () => {
    const reserved: number[] = [];
    let next = 0;
    const reserve = async (_issuer: string, count: number): Promise<StatusRange> => {
      reserved.push(count);
      const range = { listId: '3f1e4c1e-0000-4000-8000-000000000001', size: 131072, from: next, to: next + count };
      next += count;
      return range;
    };
    const allocator = createStatusAllocator(reserve, config);
    const entries = await Promise.all(Array.from({ length: 100 }, () => allocator.take('issuer-1')));
    const indexes = entries.map((e) => e.statusListIndex);
    expect(new Set(indexes).size).toBe(100);
    // Exactly the first `next` allocations' indexes, nothing skipped inside the used ranges.
    expect(indexes.sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, n) => statusEntryOf(config, { listId: entries[0]!.listId, size: 131072 }, n).statusListIndex).sort((a, b) => a - b));
    // Ranges doubled while they ran out quickly: far fewer reservations than entries.
    expect(reserved.length).toBeLessThan(10);
    expect(reserved[0]).toBe(4);
    expect(Math.max(...reserved)).toBeGreaterThan(4);
  });

  it('passes a failed reservation to its callers and tries again on the next take', async () => {
    let fail = true;
    const allocator = createStatusAllocator(async () => {
      if (fail) throw new Error('database down');
      return { listId: '3f1e4c1e-0000-4000-8000-000000000002', size: 131072, from: 0, to: 4 };
    }, config);
    await expect(allocator.take('i')).rejects.toThrow('database down');
    fail = false;
    await expect(allocator.take('i')).resolves.toMatchObject({ listId: '3f1e4c1e-0000-4000-8000-000000000002' });
  });
});

describe('allocateStatusRange (PostgreSQL)', () => {
  it('never gives two concurrent callers overlapping ranges and opens a new list when one is full', async () => {
    const issuer = await ensureDefaultIssuer(tdb.db, config);
    const ranges = await Promise.all(Array.from({ length: 20 }, () => tdb.db.transaction().execute((trx) => allocateStatusRange(trx as never, issuer.id, 50))));
    const byList = new Map<string, StatusRange[]>();
    for (const r of ranges) byList.set(r.listId, [...(byList.get(r.listId) ?? []), r]);
    for (const list of byList.values()) {
      const sorted = list.sort((a, b) => a.from - b.from);
      for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).toBeGreaterThanOrEqual(sorted[i - 1]!.to);
    }
    // Fill the newest list up to 3 free slots: a range of 10 gets the 3, the next a new list.
    const [last] = ranges.sort((a, b) => b.to - a.to);
    await sql`update status_lists set next_index = size - 3 where id = ${last!.listId}`.execute(tdb.db);
    const tail = await allocateStatusRange(tdb.db, issuer.id, 10);
    expect(tail).toMatchObject({ listId: last!.listId, from: last!.size - 3, to: last!.size });
    const fresh = await allocateStatusRange(tdb.db, issuer.id, 10);
    expect(fresh.listId).not.toBe(last!.listId);
    expect(fresh).toMatchObject({ from: 0, to: 10 });
  });
});

describe('issueCredential under concurrency (batched)', () => {
  it('stores exactly one credential per award, each with its own status entry, when 60 awards are issued at once, each three times', async () => {
    const ids = await awards(60);
    const runs = await Promise.all([...ids, ...ids, ...ids].map((awardId) => issueCredential(deps, { awardId })));
    expect(runs.filter((r) => r.created)).toHaveLength(60);
    const { rows } = await sql<{ award_id: string; n: number; credential_id: string | null; id: string; status_list_id: string; status_index: number }>`
      select c.award_id, count(*) over (partition by c.award_id)::int as n, a.credential_id, c.id, c.status_list_id, c.status_index
      from credentials c join awards a on a.id = c.award_id where c.award_id = any(${ids}::uuid[])`.execute(tdb.db);
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.n === 1 && r.credential_id === r.id)).toBe(true);
    expect(new Set(rows.map((r) => `${r.status_list_id}/${r.status_index}`)).size).toBe(60);
    // Every run of one award answers the same credential.
    for (const awardId of ids) expect(new Set(runs.filter((r) => r.credential.award_id === awardId).map((r) => r.credential.id)).size).toBe(1);
  });

  it('never issues an award revoked while its batch was being signed, and the others of the batch are stored', async () => {
    const ids = await awards(10);
    const revoking = revokeAward(deps, { awardId: ids[3]!, reason: 'test', actor: 'test' });
    const results = await Promise.allSettled(ids.map((awardId) => issueCredential(deps, { awardId })));
    await revoking;
    const { rows } = await sql<{ award_id: string }>`select award_id from credentials where award_id = any(${ids}::uuid[])`.execute(tdb.db);
    const stored = new Set(rows.map((r) => r.award_id));
    for (const [i, awardId] of ids.entries()) {
      if (i !== 3) expect(stored.has(awardId)).toBe(true);
    }
    // The revoked award: either refused (ERR_AWARD_REVOKED) or signed before the revocation, which then revoked the credential.
    const third = results[3]!;
    if (third.status === 'rejected') expect(isLaurelError(third.reason, 'ERR_AWARD_REVOKED')).toBe(true);
    const { rows: award } = await sql<{ status: string }>`select status from awards where id = ${ids[3]!}`.execute(tdb.db);
    expect(award[0]!.status).toBe('revoked');
  });
});
