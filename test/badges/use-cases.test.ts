import { createManualCourse, upsertManualLearner } from '../../src/courses';
import { isLaurelError } from '../../src/errors';
import { getStatusList } from '../../src/credentials';
import { createDatabase } from '../../src/db';
import { awardBadge, awardBadges, createAchievement, createCredentialPort, expireAwards, issueCredential, listAwards, revokeAward, type AwardFacts, type BadgesDeps, type CredentialPort } from '../../src/badges';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';

let tdb: TestDatabase;
let deps: BadgesDeps;
let port: CredentialPort;
let courseId: string;
/** Facts of every credential signed through the real engine, to count signatures. */
const signed: AwardFacts[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase({ max: 10 });
  const config = testConfig({ BASE_URL: 'http://laurel.test' });
  const real = createCredentialPort({ db: tdb.db as never, config });
  port = { ...real, sign: (trx, facts) => (signed.push(facts), real.sign(trx, facts)) };
  deps = { db: tdb.db, credentials: port, baseUrl: config.BASE_URL };
  courseId = (await createManualCourse(tdb.db, { title: 'Chemistry 101' })).id;
});
afterAll(() => tdb.close());

async function newAchievement(extra: Partial<Parameters<typeof createAchievement>[1]> = {}) {
  return createAchievement(deps, { courseId, name: 'Lab Safety', description: 'Knows the lab rules.', criteriaNarrative: 'Score 80% on the safety quiz.', actor: 'test', ...extra });
}
async function newLearner() {
  return upsertManualLearner(tdb.db, { email: `l${Math.random().toString(36).slice(2)}@example.edu`, name: 'Ada' });
}
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    return isLaurelError(error) ? error.code : `non-laurel: ${(error as Error).message}`;
  }
}

describe('awardBadge', () => {
  it('creates exactly one award under 20 concurrent calls for the same pair', async () => {
    const achievement = await newAchievement();
    const learner = await newLearner();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, score: 91, actor: 'test', source: 'rule' })),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.award.id)).size).toBe(1);
    const rows = await tdb.db.withTables<{ awards: { id: string; achievement_id: string } }>().selectFrom('awards').select('id').where('achievement_id', '=', achievement.id).execute();
    expect(rows).toHaveLength(1);
  });

  it('derives course, expiry and threshold from the achievement', async () => {
    const now = new Date('2026-01-10T00:00:00Z');
    const achievement = await newAchievement({ validForDays: 30, rule: { kind: 'score', assignmentId: 'Q2', minPercent: 80 } });
    expect(achievement.required_percent).toBe('80.00');
    const { award } = await awardBadge({ ...deps, now: () => now }, { achievementId: achievement.id, learnerId: (await newLearner()).id, actor: 'test', source: 'manual' });
    expect(award.course_id).toBe(courseId);
    expect(award.expires_at?.toISOString()).toBe('2026-02-09T00:00:00.000Z');
  });

  it('refuses unknown and unpublished achievements and unknown learners with precise codes', async () => {
    const learner = await newLearner();
    const draft = await newAchievement({ status: 'draft' });
    expect(await codeOf(awardBadge(deps, { achievementId: draft.id, learnerId: learner.id, actor: 't', source: 'manual' }))).toBe('ERR_ACHIEVEMENT_NOT_PUBLISHED');
    expect(await codeOf(awardBadge(deps, { achievementId: '00000000-0000-4000-8000-000000000000', learnerId: learner.id, actor: 't', source: 'manual' }))).toBe('ERR_NOT_FOUND');
    const published = await newAchievement();
    expect(await codeOf(awardBadge(deps, { achievementId: published.id, learnerId: '00000000-0000-4000-8000-000000000000', actor: 't', source: 'manual' }))).toBe('ERR_NOT_FOUND');
  });

  it('refuses an invalid rule', async () => {
    expect(await codeOf(newAchievement({ rule: { kind: 'score', assignmentId: 'Q1' } as never }))).toBe('ERR_VALIDATION');
  });
});

describe('awardBadges (a batch of rule awards)', () => {
  it('creates each pair exactly once when overlapping batches race, and audits only what it created', async () => {
    const [a, b] = [await newAchievement(), await newAchievement()];
    const learners = await Promise.all(Array.from({ length: 6 }, () => newLearner()));
    const pairs = learners.flatMap((l) => [a, b].map((x) => ({ achievementId: x.id, learnerId: l.id, score: 90, actor: 'rules', source: 'rule' as const })));
    // Five batches over the same twelve pairs, each in its own order: one winner per pair, no deadlock.
    const batches = await Promise.all(Array.from({ length: 5 }, (_, i) => awardBadges(deps, i % 2 ? [...pairs].reverse() : pairs)));
    for (let p = 0; p < pairs.length; p++) {
      const outcomes = batches.map((batch, i) => batch[i % 2 ? pairs.length - 1 - p : p]!);
      expect(outcomes.filter((o) => o.created)).toHaveLength(1);
      expect(new Set(outcomes.map((o) => o.award.id)).size).toBe(1);
    }
    const rows = await tdb.db.withTables<{ awards: { id: string; achievement_id: string } }>().selectFrom('awards').select('id').where('achievement_id', 'in', [a.id, b.id]).execute();
    expect(rows).toHaveLength(12);
    const audits = await tdb.db.withTables<{ audit_log: { subject_id: string; action: string } }>().selectFrom('audit_log').select('subject_id').where('action', '=', 'award.create').where('subject_id', 'in', rows.map((r) => r.id)).execute();
    expect(audits).toHaveLength(12);
  });

  it('answers undefined for an unpublished achievement, and a pair asked twice is created once', async () => {
    const learner = await newLearner();
    const [draft, published] = [await newAchievement({ status: 'draft' }), await newAchievement({ validForDays: 10 })];
    const now = new Date('2026-03-01T00:00:00Z');
    const results = await awardBadges({ ...deps, now: () => now }, [
      { achievementId: draft.id, learnerId: learner.id, actor: 'rules', source: 'rule' },
      { achievementId: published.id, learnerId: learner.id, score: 75, actor: 'rules', source: 'rule' },
      { achievementId: published.id, learnerId: learner.id, score: 75, actor: 'rules', source: 'rule' },
    ]);
    expect(results[0]).toBeUndefined();
    expect(results[1]).toMatchObject({ created: true, award: { course_id: courseId, score: '75.00' } });
    expect(results[1]!.award.expires_at?.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(results[2]).toMatchObject({ created: false, award: { id: results[1]!.award.id } });
  });

  it('a revoked award frees the pair: the next batch creates a new award', async () => {
    const [achievement, learner] = [await newAchievement(), await newLearner()];
    const [first] = await awardBadges(deps, [{ achievementId: achievement.id, learnerId: learner.id, actor: 'rules', source: 'rule' }]);
    await revokeAward(deps, { awardId: first!.award.id, reason: 'test', actor: 'test' });
    const [second] = await awardBadges(deps, [{ achievementId: achievement.id, learnerId: learner.id, actor: 'rules', source: 'rule' }]);
    expect(second).toMatchObject({ created: true });
    expect(second!.award.id).not.toBe(first!.award.id);
  });
});

describe('issueCredential', () => {
  it('is idempotent, also when runs race', async () => {
    const achievement = await newAchievement();
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: (await newLearner()).id, actor: 'test', source: 'manual' });
    const runs = await Promise.all(Array.from({ length: 5 }, () => issueCredential(deps, { awardId: award.id })));
    expect(runs.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(runs.map((r) => r.credential.id)).size).toBe(1);
    const stored = await tdb.db.withTables<{ credentials: { id: string; award_id: string } }>().selectFrom('credentials').select('id').where('award_id', '=', award.id).execute();
    expect(stored).toEqual([{ id: runs[0]!.credential.id }]);
    // Once stored, a repeat does not sign again.
    const before = signed.length;
    const again = await issueCredential(deps, { awardId: award.id });
    expect(again).toMatchObject({ created: false, credential: { id: runs[0]!.credential.id } });
    expect(signed.length).toBe(before);
    const [listed] = await listAwards(deps, { achievementId: achievement.id });
    expect(listed!.credentialId).toBe(runs[0]!.credential.id);
  });

  it('stores a credential with score, threshold, alignment, evidence, hashed email, both proofs and a status entry', async () => {
    const achievement = await newAchievement({ requiredPercent: 75, validForDays: 10, alignments: [{ targetName: 'Safety', targetUrl: 'https://skills.example/safety', targetCode: 'S1' }] });
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: (await newLearner()).id, score: 88.5, evidence: [{ name: 'Safety quiz' }], actor: 'test', source: 'rule' });
    const { credential } = await issueCredential(deps, { awardId: award.id });
    const doc = credential.document as Record<string, any>;
    expect(doc.id).toBe(`http://laurel.test/credentials/${credential.id}`);
    expect(doc.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(doc.issuer.id).toMatch(/^did:web:laurel\.test/);
    expect(doc.credentialSubject.achievement).toMatchObject({
      id: `http://laurel.test/achievements/${achievement.id}`,
      criteria: { narrative: 'Score 80% on the safety quiz.' },
      resultDescription: [{ resultType: 'Percent', requiredValue: '75' }],
      alignment: [{ targetCode: 'S1', targetName: 'Safety' }],
      image: { id: `http://laurel.test/achievements/${achievement.id}/image` },
    });
    expect(doc.credentialSubject.result).toEqual([expect.objectContaining({ value: '88.5' })]);
    expect(doc.credentialSubject.identifier[0]).toMatchObject({ identityType: 'emailAddress', hashed: true, identityHash: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/) });
    expect(doc.evidence).toEqual([expect.objectContaining({ name: 'Safety quiz' })]);
    expect(doc.validUntil).toBe(award.expires_at!.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(doc.proof).toEqual([expect.objectContaining({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' })]);
    expect(credential.jws.split('.')).toHaveLength(3);
    expect(credential.key_ids).toHaveLength(2);
    expect(doc.credentialStatus).toMatchObject({ statusListIndex: String(credential.status_index), statusListCredential: `http://laurel.test/status-lists/${credential.status_list_id}` });
    expect((await port.verify(tdb.db, doc)).verified).toBe(true);
  });

  it('does not store a credential for an award revoked while it was being signed', async () => {
    const { award } = await awardBadge(deps, { achievementId: (await newAchievement()).id, learnerId: (await newLearner()).id, actor: 'test', source: 'manual' });
    const racing: BadgesDeps = { ...deps, credentials: { ...port, sign: async (db, facts) => {
      const result = await port.sign(db, facts);
      await revokeAward(deps, { awardId: award.id, reason: 'revoked mid-flight', actor: 'test' });
      return result;
    } } };
    expect(await codeOf(issueCredential(racing, { awardId: award.id }))).toBe('ERR_AWARD_REVOKED');
    const stored = await tdb.db.withTables<{ credentials: { award_id: string } }>().selectFrom('credentials').selectAll().where('award_id', '=', award.id).execute();
    expect(stored).toHaveLength(0);
  });

  it('issues many awards at once through a small pool without starving it', async () => {
    // A two-connection pool on the suite's schema: signing must never wait for a connection while
    // holding one, or concurrent issues starve the pool (each holder waiting for one more).
    const tiny = createDatabase({ url: process.env.DATABASE_URL!, schema: tdb.schema, max: 2 });
    try {
      const tinyDeps: BadgesDeps = { ...deps, db: tiny.db, credentials: createCredentialPort({ db: tiny.db as never, config: testConfig({ BASE_URL: 'http://laurel.test' }) }) };
      const achievement = await newAchievement();
      const awards = await Promise.all(Array.from({ length: 6 }, async () => (await awardBadge(deps, { achievementId: achievement.id, learnerId: (await newLearner()).id, actor: 't', source: 'manual' })).award.id));
      const results = await Promise.all(awards.map((awardId) => issueCredential(tinyDeps, { awardId })));
      expect(results.every((r) => r.created)).toBe(true);
    } finally {
      await tiny.close();
    }
  });

  it('refuses unknown and revoked awards', async () => {
    expect(await codeOf(issueCredential(deps, { awardId: '00000000-0000-4000-8000-000000000000' }))).toBe('ERR_NOT_FOUND');
    const { award } = await awardBadge(deps, { achievementId: (await newAchievement()).id, learnerId: (await newLearner()).id, actor: 'test', source: 'manual' });
    await revokeAward(deps, { awardId: award.id, reason: 'mistake', actor: 'test' });
    expect(await codeOf(issueCredential(deps, { awardId: award.id }))).toBe('ERR_AWARD_REVOKED');
  });
});

describe('revokeAward', () => {
  it('sets the status bit, records reason and actor, audits, and frees the pair', async () => {
    const achievement = await newAchievement();
    const learner = await newLearner();
    const { award } = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, actor: 'test', source: 'manual' });
    const { credential } = await issueCredential(deps, { awardId: award.id });
    const revoked = await revokeAward(deps, { awardId: award.id, reason: 'Academic misconduct', actor: 'token:admin' });
    expect(revoked).toMatchObject({ status: 'revoked', revoked_reason: 'Academic misconduct', revoked_by: 'token:admin' });
    const list = await getStatusList(tdb.db as never, credential.status_list_id!);
    const index = credential.status_index!;
    expect((list!.bits[index >> 3]! & (0x80 >> (index & 7))) !== 0).toBe(true);
    const verification = await port.verify(tdb.db, credential.document);
    expect(verification.verified).toBe(false);
    expect(verification.checks.find((c) => !c.ok)?.check).toMatch(/status/i);
    const log = await tdb.db.selectFrom('audit_log').selectAll().where('subject_id', '=', award.id).where('action', '=', 'award.revoke').execute();
    expect(log).toHaveLength(1);
    expect(log[0]!.details).toMatchObject({ reason: 'Academic misconduct' });
    expect(await codeOf(revokeAward(deps, { awardId: award.id, reason: 'again', actor: 'x' }))).toBe('ERR_AWARD_REVOKED');
    const again = await awardBadge(deps, { achievementId: achievement.id, learnerId: learner.id, actor: 'test', source: 'manual' });
    expect(again.created).toBe(true);
    expect(again.award.id).not.toBe(award.id);
  });

  it('answers ERR_NOT_FOUND for an unknown award', async () => {
    expect(await codeOf(revokeAward(deps, { awardId: 'nope', reason: 'x', actor: 'x' }))).toBe('ERR_NOT_FOUND');
  });
});

describe('expiry', () => {
  it('expires awards past their validity and shows them expired on read', async () => {
    const t0 = new Date('2026-03-01T00:00:00Z');
    const achievement = await newAchievement({ validForDays: 1 });
    await awardBadge({ ...deps, now: () => t0 }, { achievementId: achievement.id, learnerId: (await newLearner()).id, actor: 'test', source: 'manual' });
    const later = new Date('2026-03-03T00:00:00Z');
    expect((await listAwards({ db: tdb.db, now: () => later }, { achievementId: achievement.id }))[0]!.status).toBe('expired');
    expect((await listAwards({ db: tdb.db, now: () => t0 }, { achievementId: achievement.id }))[0]!.status).toBe('issued');
    expect(await expireAwards({ db: tdb.db, now: () => later })).toBeGreaterThanOrEqual(1);
    expect(await expireAwards({ db: tdb.db, now: () => later })).toBe(0);
    const [row] = await tdb.db.withTables<{ awards: { achievement_id: string; status: string } }>().selectFrom('awards').select('status').where('achievement_id', '=', achievement.id).execute();
    expect(row!.status).toBe('expired');
  });
});
