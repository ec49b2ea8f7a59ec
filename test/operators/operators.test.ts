import { upsertLtiLearner, upsertPlatform } from '../../src/courses';
import { addOperator, isOperator, listOperators, removeOperator } from '../../src/operators';
import { createTestDatabase, type TestDatabase } from '../support/db';

jest.setTimeout(60_000);

// Operators are named by platform and LTI user id; the learners and platforms behind them belong to
// courses (issue 14), which operators asks. The same LTI user id on another platform is someone else.
describe('operators', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createTestDatabase();
  });
  afterAll(() => tdb.close());

  const platform = (name: string) => upsertPlatform(tdb.db, {
    issuer: `https://${name}.school.edu`, clientId: name, name: `${name} LMS`, lms: 'moodle',
    authEndpoint: `https://${name}.school.edu/auth`, tokenEndpoint: `https://${name}.school.edu/token`, jwksUrl: `https://${name}.school.edu/jwks`,
  });

  it('recognises the operator only on the platform that names them, never the same user id elsewhere', async () => {
    const a = await platform('alpha');
    const b = await platform('beta');
    const ofA = await upsertLtiLearner(tdb.db, { platformId: a.id, ltiUserId: '42', name: 'Olga of A' });
    const ofB = await upsertLtiLearner(tdb.db, { platformId: b.id, ltiUserId: '42', name: 'Otto of B' });
    await addOperator(tdb.db, { platformId: a.id, ltiUserId: '42', note: 'Olga' });
    expect(await isOperator(tdb.db, { platformId: a.id, learnerId: ofA.id })).toBe(true);
    expect(await isOperator(tdb.db, { platformId: b.id, learnerId: ofB.id })).toBe(false);
    // A session claiming platform A for B's learner (or the reverse) is no operator either.
    expect(await isOperator(tdb.db, { platformId: a.id, learnerId: ofB.id })).toBe(false);
    expect(await isOperator(tdb.db, { platformId: b.id, learnerId: ofA.id })).toBe(false);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect(await isOperator(tdb.db, { platformId: a.id, learnerId: unknown })).toBe(false);

    await addOperator(tdb.db, { platformId: b.id, ltiUserId: '7' });
    expect((await listOperators(tdb.db)).map((o) => [o.platformName, o.ltiUserId, o.note])).toEqual([['alpha LMS', '42', 'Olga'], ['beta LMS', '7', null]]);
    expect(await removeOperator(tdb.db, { platformId: a.id, ltiUserId: '42' })).toBe(1);
    expect(await isOperator(tdb.db, { platformId: a.id, learnerId: ofA.id })).toBe(false);
    expect((await listOperators(tdb.db)).map((o) => o.platformName)).toEqual(['beta LMS']);
  });
});
