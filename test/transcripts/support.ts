import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { sql, type Kysely } from 'kysely';
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { awardBadge, createAchievement, createCredentialPort, issueCredential, type BadgesDeps } from '../../src/badges';
import type { Config } from '../../src/config';
import { createManualCourse, enroll, upsertAssignment, upsertManualLearner } from '../../src/courses';
import { createSchemaValidator, createSigner, defaultSchemaLoader, didDocument, jwks, listIssuers, verifyCredential } from '../../src/credentials';
import type { RuleSpec } from '../../src/badges';
import { projectRoot } from '../../src/paths';
import { CLR_CONTEXT, createClrSigner, type TranscriptOptions, type TranscriptsDeps } from '../../src/transcripts';

/** The official CLR 2.0 files, read in place from ../shared/spec (never copied into the repo). */
export const clrSpecDir = join(projectRoot, '..', 'shared', 'spec', 'clr-v2p0');
export const hasClrSpec = existsSync(join(clrSpecDir, 'schema', 'clr_v2p0_clrcredential_schema.json'));

/** `describe` that skips with a clear message when ../shared/spec is absent. */
export const describeWithClrSpec: jest.Describe = hasClrSpec
  ? describe
  : ((name: string, fn: () => void) => describe.skip(`${name} (SKIPPED: ${clrSpecDir} not found)`, fn)) as jest.Describe;

export function clrContext(): object | undefined {
  return hasClrSpec ? (JSON.parse(readFileSync(join(clrSpecDir, 'context', 'context-2.0.1.json'), 'utf8')) as object) : undefined;
}

/** ajv 2019 + formats over the official ClrCredential schema. */
export function clrSchemaValidator(): (document: unknown) => string[] {
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(join(clrSpecDir, 'schema', 'clr_v2p0_clrcredential_schema.json'), 'utf8')) as object);
  return (document) => (validate(document) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`));
}

export function testOptions(exportDir: string, overrides: Partial<TranscriptOptions> = {}): TranscriptOptions {
  return { exportDir, exportTtlHours: 24, batchSize: 7, signThreads: 0, clrContext: clrContext(), ...overrides };
}

export function transcriptsDeps(db: Kysely<unknown>, config: Config, options: TranscriptOptions): TranscriptsDeps {
  return { db, config, options, signer: createClrSigner({ db, config, clrContext: options.clrContext }) };
}

/** Verifies a compact JWS as an outside verifier would: against the published JWKS, RS256 only. */
export async function verifyJws(db: Kysely<unknown>, jws: string) {
  const set = createLocalJWKSet((await jwks(db)) as never);
  const { payload } = await jwtVerify(jws, set, { algorithms: ['RS256'] });
  return { payload, header: decodeProtectedHeader(jws) };
}

export interface SeededCourse {
  courseId: string;
  achievementIds: string[];
  learners: { id: string; email: string; awardIds: string[] }[];
}

/**
 * A manual course with `badges` achievements (the last one stacked on the first: a `badges` rule),
 * `learners` learners each awarded every badge and signed by the real engine.
 */
export async function seedCourse(deps: BadgesDeps, props: { title: string; badges: number; learners: number; validForDays?: number }): Promise<SeededCourse> {
  const course = await createManualCourse(deps.db, { title: props.title });
  await upsertAssignment(deps.db, { courseId: course.id, sourceKey: 'Q1', name: 'Quiz 1', pointsPossible: 10 });
  const achievementIds: string[] = [];
  for (let i = 0; i < props.badges; i += 1) {
    const stacked: RuleSpec | undefined = i > 0 && i === props.badges - 1 ? { kind: 'badges', achievementIds: [achievementIds[0]!], min: 1 } : undefined;
    const a = await createAchievement(deps, {
      courseId: course.id, name: `Badge ${i + 1}`, description: `Badge ${i + 1} of ${props.title}.`, criteriaNarrative: 'Score 80% or more.',
      requiredPercent: 80, validForDays: props.validForDays, rule: stacked, actor: 'test',
    });
    achievementIds.push(a.id);
  }
  const learners: SeededCourse['learners'] = [];
  for (let l = 0; l < props.learners; l += 1) {
    const email = `learner${l}.${Math.random().toString(36).slice(2, 8)}@example.edu`;
    const learner = await upsertManualLearner(deps.db, { email, name: `Learner ${l}` });
    await enroll(deps.db, { courseId: course.id, learnerId: learner.id, source: 'api' });
    const awardIds: string[] = [];
    for (const achievementId of achievementIds) {
      const { award } = await awardBadge(deps, { achievementId, learnerId: learner.id, score: 85 + l, actor: 'test', source: 'manual' });
      await issueCredential(deps, { awardId: award.id });
      awardIds.push(award.id);
    }
    learners.push({ id: learner.id, email, awardIds });
  }
  return { courseId: course.id, achievementIds, learners };
}

export function badgesDepsOf(db: Kysely<unknown>, config: Config, now?: () => Date): BadgesDeps {
  return { db: db as never, credentials: createCredentialPort({ db, config }), baseUrl: config.BASE_URL, now };
}

/** Verifies a CLR's own Data Integrity proof (and dates, key provenance) with the CLR context offline. */
let schemaValidator: ReturnType<typeof createSchemaValidator> | undefined;

export async function verifyClr(db: Kysely<unknown>, config: Config, credential: Record<string, unknown>) {
  const signer = await createSigner(db, config, { contexts: new Map([[CLR_CONTEXT, clrContext()!]]) });
  return verifyCredential(credential, {
    canonizer: signer.canonizer,
    resolveDid: async (did) => {
      const issuer = (await listIssuers(db)).find((i) => i.did === did);
      return issuer && didDocument(db, issuer);
    },
    jwks: () => jwks(db),
    schemas: (schemaValidator ??= createSchemaValidator(defaultSchemaLoader())),
    now: new Date(),
  });
}

/**
 * Adds `count` learners to a seeded course whose badge credentials are copies of `template`'s signed
 * documents (bulk SQL, no signing): for export tests that need many learners quickly.
 */
export async function cloneLearners(db: Kysely<unknown>, props: { courseId: string; templateLearnerId: string; count: number; namePrefix?: string }): Promise<void> {
  await sql`with l as (
      insert into learners (email, name) select 'clone' || g || '.' || md5(random()::text) || '@example.edu', ${props.namePrefix ?? 'Clone'} || ' ' || g from generate_series(1, ${props.count}::int) g returning id
    ), e as (insert into enrollments (course_id, learner_id, source) select ${props.courseId}, id, 'api' from l)
    insert into awards (achievement_id, learner_id, course_id, score, evidence, source, awarded_by)
    select a.achievement_id, l.id, a.course_id, a.score, '[]', 'manual', 'test' from l cross join awards a where a.learner_id = ${props.templateLearnerId} and a.course_id = ${props.courseId}`.execute(db);
  await sql`insert into credentials (id, award_id, issuer_id, document, jws, issued_at)
    select gen_random_uuid(), aw.id, t.issuer_id, t.document, t.jws, now()
    from awards aw join awards src on src.achievement_id = aw.achievement_id and src.learner_id = ${props.templateLearnerId}
    join credentials t on t.award_id = src.id
    where aw.course_id = ${props.courseId} and aw.learner_id <> ${props.templateLearnerId} and not exists (select 1 from credentials c where c.award_id = aw.id)`.execute(db);
  await sql`update awards set credential_id = c.id from credentials c where c.award_id = awards.id and awards.credential_id is null`.execute(db);
}
