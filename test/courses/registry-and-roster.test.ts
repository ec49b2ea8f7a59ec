import { sql } from 'kysely';
import {
  activatePendingPlatform,
  coursesWithRoster,
  disablePlatform,
  enroll,
  findLearner,
  framingPlatforms,
  getPlatform,
  hasActiveEnrollment,
  isActivePlatformLearner,
  listPlatformsWithDeployments,
  ltiUserIdOf,
  markRosterSynced,
  platformNames,
  platformsOfIssuer,
  recordAgsScopes,
  recordPlatformLms,
  setPlatformStatus,
  storeRosterPage,
  upsertDeployment,
  upsertLtiCourse,
  upsertLtiLearner,
  upsertPlatform,
  findCourse,
  type Platform,
} from '../../src/courses';
import { createTestDatabase, type TestDatabase } from '../support/db';

jest.setTimeout(60_000);

// Issue 14 (modules own their data): lti, operators and the HTTP kit reach the platform registry and
// rosters only through these courses functions. Each is scoped to its platform or course: the cases
// below try to reach another tenant's rows through them and must come back empty-handed.
describe('courses: platform registry and rosters', () => {
  let tdb: TestDatabase;
  let n = 0;
  const platform = (props: { issuer?: string; lms?: 'canvas' | 'moodle' | 'other'; status?: 'pending' | 'active' | 'disabled' } = {}): Promise<Platform> => {
    n++;
    const issuer = props.issuer ?? `https://lms${n}.school.edu`;
    return upsertPlatform(tdb.db, {
      issuer, clientId: `client-${n}`, name: `LMS ${n}`, lms: props.lms ?? 'moodle', status: props.status ?? 'active',
      authEndpoint: `${issuer}/auth`, tokenEndpoint: `${issuer}/token`, jwksUrl: `${issuer}/jwks`,
    });
  };
  const course = (platformId: string, contextId = `ctx-${++n}`) => upsertLtiCourse(tdb.db, { platformId, deploymentRowId: null, contextId, title: `Course ${contextId}`, nrpsUrl: `https://lms.example/nrps/${contextId}` });

  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.close());

  it('stores a roster page on its own platform only: the same LTI user id elsewhere stays another person', async () => {
    const a = await platform();
    const b = await platform();
    const courseA = await course(a.id);
    const other = await upsertLtiLearner(tdb.db, { platformId: b.id, ltiUserId: 'u1', name: 'Bea of B', email: 'bea@b.edu' });
    const known = await upsertLtiLearner(tdb.db, { platformId: a.id, ltiUserId: 'u2', name: 'Known Name', email: 'known@a.edu' });
    await tdb.db.transaction().execute((trx) =>
      storeRosterPage(trx, {
        platformId: a.id,
        courseId: courseA.id,
        members: [
          { ltiUserId: 'u1', email: null, name: 'Ann of A', roles: ['Learner'], status: 'active' },
          // The platform withholds name and email at this privacy level: the known ones stay.
          { ltiUserId: 'u2', email: null, name: null, roles: ['Learner'], status: 'inactive' },
        ],
      }),
    );
    expect(await findLearner(tdb.db, other.id)).toMatchObject({ name: 'Bea of B', email: 'bea@b.edu', platform_id: b.id });
    expect(await findLearner(tdb.db, known.id)).toMatchObject({ name: 'Known Name', email: 'known@a.edu' });
    const { rows } = await sql<{ lti_user_id: string; platform_id: string; status: string; source: string }>`
      select l.lti_user_id, l.platform_id, e.status, e.source from enrollments e join learners l on l.id = e.learner_id
      where e.course_id = ${courseA.id} order by l.lti_user_id`.execute(tdb.db);
    expect(rows).toEqual([
      { lti_user_id: 'u1', platform_id: a.id, status: 'active', source: 'roster' },
      { lti_user_id: 'u2', platform_id: a.id, status: 'inactive', source: 'roster' },
    ]);
    // Nobody of platform B was enrolled in A's course.
    expect(await hasActiveEnrollment(tdb.db, { platformId: b.id, courseId: courseA.id, learnerId: other.id })).toBe(false);
  });

  it('stores a roster page whole or not at all (the caller\'s transaction)', async () => {
    const a = await platform();
    const missingCourse = '00000000-0000-4000-8000-000000000000';
    await expect(tdb.db.transaction().execute((trx) =>
      storeRosterPage(trx, { platformId: a.id, courseId: missingCourse, members: [{ ltiUserId: 'rolled-back', email: null, name: 'Gone', roles: [], status: 'active' }] }),
    )).rejects.toThrow();
    const { rows } = await sql`select 1 from learners where platform_id = ${a.id} and lti_user_id = 'rolled-back'`.execute(tdb.db);
    expect(rows).toHaveLength(0);
  });

  it('holds a course session only for its platform, course and active enrolment on an active platform', async () => {
    const a = await platform();
    const b = await platform();
    const courseA = await course(a.id);
    const courseB = await course(b.id);
    const person = await upsertLtiLearner(tdb.db, { platformId: a.id, ltiUserId: 'p1' });
    await enroll(tdb.db, { courseId: courseA.id, learnerId: person.id, source: 'launch' });
    const own = { platformId: a.id, courseId: courseA.id, learnerId: person.id };
    expect(await hasActiveEnrollment(tdb.db, own)).toBe(true);
    expect(await hasActiveEnrollment(tdb.db, { ...own, platformId: b.id })).toBe(false);
    expect(await hasActiveEnrollment(tdb.db, { ...own, courseId: courseB.id })).toBe(false);
    expect(await isActivePlatformLearner(tdb.db, { platformId: a.id, learnerId: person.id })).toBe(true);
    expect(await isActivePlatformLearner(tdb.db, { platformId: b.id, learnerId: person.id })).toBe(false);
    expect(await ltiUserIdOf(tdb.db, { platformId: a.id, learnerId: person.id })).toBe('p1');
    expect(await ltiUserIdOf(tdb.db, { platformId: b.id, learnerId: person.id })).toBeUndefined();
    await enroll(tdb.db, { courseId: courseA.id, learnerId: person.id, status: 'deleted', source: 'roster' });
    expect(await hasActiveEnrollment(tdb.db, own)).toBe(false);
    await enroll(tdb.db, { courseId: courseA.id, learnerId: person.id, source: 'launch' });
    await setPlatformStatus(tdb.db, { platformId: a.id, status: 'disabled' });
    expect(await hasActiveEnrollment(tdb.db, own)).toBe(false);
    expect(await isActivePlatformLearner(tdb.db, { platformId: a.id, learnerId: person.id })).toBe(false);
  });

  it('lists for the roster re-sync only courses with Names and Roles on an active platform, and marks a sync', async () => {
    const active = await platform();
    const disabled = await platform({ status: 'disabled' });
    const withRoster = await course(active.id);
    const ofDisabled = await course(disabled.id);
    const noRoster = await upsertLtiCourse(tdb.db, { platformId: active.id, deploymentRowId: null, contextId: 'no-nrps', title: 'No NRPS' });
    const ids = await coursesWithRoster(tdb.db);
    expect(ids).toContain(withRoster.id);
    expect(ids).not.toContain(ofDisabled.id);
    expect(ids).not.toContain(noRoster.id);
    expect((await findCourse(tdb.db, withRoster.id))!.roster_synced_at).toBeNull();
    await markRosterSynced(tdb.db, withRoster.id);
    expect((await findCourse(tdb.db, withRoster.id))!.roster_synced_at).toBeInstanceOf(Date);
    expect((await findCourse(tdb.db, noRoster.id))!.roster_synced_at).toBeNull();
    await recordAgsScopes(tdb.db, { courseId: withRoster.id, scopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'] });
    const { rows } = await sql<{ id: string; ags_scopes: string[] | null }>`select id, ags_scopes from courses where id in (${withRoster.id}, ${noRoster.id}) order by id = ${withRoster.id} desc`.execute(tdb.db);
    expect(rows.map((r) => r.ags_scopes)).toEqual([['https://purl.imsglobal.org/spec/lti-ags/scope/score'], null]);
  });

  it('activates only a pending platform, once, inside the caller\'s transaction', async () => {
    const pending = await platform({ status: 'pending' });
    const removed = await platform({ status: 'disabled' });
    const now = new Date('2026-12-01T10:00:00Z');
    // A rolled-back transaction leaves it pending.
    await expect(tdb.db.transaction().execute(async (trx) => {
      expect(await activatePendingPlatform(trx, { platformId: pending.id, now })).toMatchObject({ id: pending.id, status: 'active' });
      throw new Error('audit failed');
    })).rejects.toThrow('audit failed');
    expect((await getPlatform(tdb.db, pending.id))!.status).toBe('pending');
    const activated = await tdb.db.transaction().execute((trx) => activatePendingPlatform(trx, { platformId: pending.id, now }));
    expect(activated).toMatchObject({ id: pending.id, status: 'active', updated_at: now });
    expect(await tdb.db.transaction().execute((trx) => activatePendingPlatform(trx, { platformId: pending.id, now }))).toBeUndefined();
    expect(await tdb.db.transaction().execute((trx) => activatePendingPlatform(trx, { platformId: removed.id, now }))).toBeUndefined();
    expect((await getPlatform(tdb.db, removed.id))!.status).toBe('disabled');
  });

  it('disables exactly one issuer and client id, and learns the LMS of an "other" platform only', async () => {
    const shared = 'https://shared-issuer.school.edu';
    const one = await platform({ issuer: shared, lms: 'other' });
    const two = await platform({ issuer: shared, lms: 'moodle' });
    expect((await platformsOfIssuer(tdb.db, shared)).map((p) => p.id).sort()).toEqual([one.id, two.id].sort());
    await recordPlatformLms(tdb.db, { platformId: one.id, lms: 'canvas' });
    await recordPlatformLms(tdb.db, { platformId: two.id, lms: 'canvas' });
    expect((await getPlatform(tdb.db, one.id))!.lms).toBe('canvas');
    expect((await getPlatform(tdb.db, two.id))!.lms).toBe('moodle');
    expect(await disablePlatform(tdb.db, { issuer: shared, clientId: one.client_id })).toBe(true);
    expect(await disablePlatform(tdb.db, { issuer: shared, clientId: 'nobody' })).toBe(false);
    expect((await getPlatform(tdb.db, one.id))!.status).toBe('disabled');
    expect((await getPlatform(tdb.db, two.id))!.status).toBe('active');
    await expect(setPlatformStatus(tdb.db, { platformId: '00000000-0000-4000-8000-000000000000', status: 'active' })).rejects.toMatchObject({ code: 'ERR_NOT_FOUND' });
  });

  it('answers framing addresses of platforms not disabled, names by id, and deployments per platform', async () => {
    const pending = await platform({ issuer: 'https://framing-pending.school.edu', status: 'pending' });
    const gone = await platform({ issuer: 'https://framing-gone.school.edu', status: 'disabled' });
    await upsertDeployment(tdb.db, { platformId: pending.id, deploymentId: 'dep-1' });
    await upsertDeployment(tdb.db, { platformId: pending.id, deploymentId: 'dep-2' });
    const framing = await framingPlatforms(tdb.db);
    expect(framing).toContainEqual({ issuer: pending.issuer, authEndpoint: pending.auth_endpoint, lms: 'moodle' });
    expect(framing.map((f) => f.issuer)).not.toContain(gone.issuer);
    const names = await platformNames(tdb.db, [pending.id, gone.id, pending.id, '00000000-0000-4000-8000-000000000000']);
    expect([...names.entries()].sort()).toEqual([[pending.id, pending.name], [gone.id, gone.name]].sort());
    expect(await platformNames(tdb.db, [])).toEqual(new Map());
    const listed = await listPlatformsWithDeployments(tdb.db);
    expect(listed.find((p) => p.id === pending.id)!.deploymentIds).toEqual(['dep-1', 'dep-2']);
    expect(listed.find((p) => p.id === gone.id)!.deploymentIds).toEqual([]);
  });
});
