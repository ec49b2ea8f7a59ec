import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { revokeAward } from '../../src/badges';
import type { Config } from '../../src/config';
import { createCredentialPort } from '../../src/badges';
import { isLaurelError } from '../../src/errors';
import { CLR_CREDENTIAL_SCHEMA, EXPIRED_TAG, learnerClr, type TranscriptsDeps } from '../../src/transcripts';
import { testConfig } from '../support/config';
import { createTestDatabase, type TestDatabase } from '../support/db';
import { badgesDepsOf, clrSchemaValidator, describeWithClrSpec, seedCourse, testOptions, transcriptsDeps, verifyClr, verifyJws, type SeededCourse } from './support';

let tdb: TestDatabase;
let config: Config;
let db: Kysely<unknown>;
let deps: TranscriptsDeps;
let course: SeededCourse;
let other: SeededCourse;

describeWithClrSpec('learnerClr (real signing)', () => {
  beforeAll(async () => {
    tdb = await createTestDatabase({ max: 6 });
    config = testConfig({ BASE_URL: 'http://laurel.test' });
    db = tdb.db as unknown as Kysely<unknown>;
    const badges = badgesDepsOf(db, config);
    course = await seedCourse(badges, { title: 'Chemistry 101', badges: 3, learners: 2 });
    other = await seedCourse(badges, { title: 'Physics 1', badges: 1, learners: 1 });
    deps = transcriptsDeps(db, config, testOptions(mkdtempSync(join(tmpdir(), 'clr-'))));
  }, 60000);
  afterAll(() => tdb.close());

  it('builds a schema-valid CLR whose VC-JWT verifies against the JWKS and whose badges verify on their own', async () => {
    const learner = course.learners[0]!;
    const { credential, jws, omitted } = await learnerClr(deps, { learnerId: learner.id, courseId: course.courseId });
    expect(omitted).toEqual({ revoked: 0, expired: 0 });
    expect(clrSchemaValidator()(credential)).toEqual([]);
    expect(credential.type).toEqual(['VerifiableCredential', 'ClrCredential']);
    expect(credential.credentialSchema).toEqual([{ id: CLR_CREDENTIAL_SCHEMA, type: '1EdTechJsonSchemaValidator2019' }]);
    expect(credential.partial).toBeUndefined();
    const subject = credential.credentialSubject as Record<string, unknown[]>;
    expect(subject.verifiableCredential).toHaveLength(3);
    // Embedded unchanged: equal to what badges stored, proofs included.
    const stored = await tdb.db.withTables<{ credentials: { award_id: string; document: unknown } }>()
      .selectFrom('credentials').select('document').where('award_id', 'in', learner.awardIds).execute();
    expect(new Set(subject.verifiableCredential!.map((c) => JSON.stringify(c)))).toEqual(new Set(stored.map((r) => JSON.stringify(r.document))));
    const types = subject.association!.map((a) => (a as { associationType: string }).associationType);
    expect(types.filter((t) => t === 'isChildOf')).toHaveLength(4); // 3 badges + 1 assessment
    expect(types.filter((t) => t === 'precedes')).toHaveLength(1); // badge 1 -> stacked badge 3
    const achievementTypes = subject.achievement!.map((a) => (a as { achievementType: string }).achievementType).sort();
    expect(achievementTypes).toEqual(['Assessment', 'Badge', 'Badge', 'Badge', 'Course']);

    const { payload, header } = await verifyJws(db, jws);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(header.kid).toMatch(/#rsa-/);
    expect(payload).toMatchObject({ iss: (credential.issuer as { id: string }).id, jti: credential.id, sub: `urn:uuid:${learner.id}` });
    expect(payload.nbf).toBe(Math.floor(Date.parse(credential.validFrom as string) / 1000));
    expect(Array.isArray(credential.proof)).toBe(true);
    const own = await verifyClr(db, config, credential);
    expect(own.checks.filter((c) => !c.ok)).toEqual([]);
    expect(own.verified).toBe(true);
    // Tampering with an embedded badge breaks the CLR's own proof.
    const tampered = structuredClone(credential) as { credentialSubject: { verifiableCredential: { name: string }[] } };
    tampered.credentialSubject.verifiableCredential[0]!.name = 'Forged';
    expect((await verifyClr(db, config, tampered)).verified).toBe(false);

    const port = createCredentialPort({ db, config });
    for (const badge of subject.verifiableCredential!) {
      const result = await port.verify(db, badge as Record<string, unknown>);
      expect(result.checks.filter((c) => !c.ok)).toEqual([]);
      expect(result.verified).toBe(true);
    }
  }, 30000);

  it('leaves revoked badges out and marks the record partial; expired only on request, tagged', async () => {
    const learner = course.learners[1]!;
    await revokeAward(badgesDepsOf(db, config), { awardId: learner.awardIds[0]!, reason: 'plagiarism', actor: 'test' });
    const later = new Date(Date.now() + 2 * 86400000);
    await tdb.db.withTables<{ awards: { id: string; expires_at: Date | null } }>()
      .updateTable('awards').set({ expires_at: new Date(Date.now() + 86400000) }).where('id', '=', learner.awardIds[1]!).execute();
    const atLater = { ...deps, now: () => later };
    const without = await learnerClr(atLater, { learnerId: learner.id, courseId: course.courseId });
    expect(without.omitted).toEqual({ revoked: 1, expired: 1 });
    expect(without.credential.partial).toBe(true);
    expect((without.credential.credentialSubject as { verifiableCredential: unknown[] }).verifiableCredential).toHaveLength(1);
    expect(clrSchemaValidator()(without.credential)).toEqual([]);

    const withExpired = await learnerClr(atLater, { learnerId: learner.id, courseId: course.courseId, includeExpired: true });
    expect(withExpired.omitted).toEqual({ revoked: 1, expired: 0 });
    const subject = withExpired.credential.credentialSubject as { verifiableCredential: unknown[]; achievement: { tag?: string[] }[] };
    expect(subject.verifiableCredential).toHaveLength(2);
    expect(subject.achievement.filter((a) => a.tag?.includes(EXPIRED_TAG))).toHaveLength(1);
  }, 30000);

  it('spans every course of the issuer without a courseId, and refuses unknown learners and empty records', async () => {
    const all = await learnerClr(deps, { learnerId: other.learners[0]!.id });
    const subject = all.credential.credentialSubject as { verifiableCredential: unknown[]; achievement: { achievementType: string }[] };
    expect(subject.verifiableCredential).toHaveLength(1);
    const code = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (isLaurelError(e) ? e.code : String(e)));
    expect(await code(learnerClr(deps, { learnerId: '00000000-0000-4000-8000-000000000000' }))).toBe('ERR_NOT_FOUND');
    expect(await code(learnerClr(deps, { learnerId: other.learners[0]!.id, courseId: course.courseId }))).toBe('ERR_NOT_FOUND');
  }, 30000);

  it('signs as a VC-JWT alone when the CLR context is not available offline', async () => {
    const jwtOnly = await learnerClr({ ...deps, signer: transcriptsDeps(db, config, testOptions('/tmp', { clrContext: undefined })).signer }, { learnerId: other.learners[0]!.id });
    expect(jwtOnly.credential.proof).toBeUndefined();
    expect(clrSchemaValidator()(jwtOnly.credential)).toEqual([]);
    const { payload, header } = await verifyJws(db as unknown as Kysely<unknown>, jwtOnly.jws);
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    expect(payload).toMatchObject({ jti: jwtOnly.credential.id, iss: (jwtOnly.credential.issuer as { id: string }).id });
  }, 30000);
});
