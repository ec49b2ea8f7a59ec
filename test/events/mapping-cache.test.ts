import { upsertLtiCourse, upsertPlatform } from '../../src/courses';
import { parseMoodleEvent, type NormalisedEvent } from '../../src/events';
import { clearMappingCache, resolveMapping } from '../../src/events/mapping';
import { createTestContext, type TestContext } from '../support/context';

/**
 * The intake remembers found mappings per process (the course an LMS course id names, a course's
 * platform, a learner): a remembered course never answers for another platform, and a miss is never
 * remembered, so a learner a launch maps a moment later is found on the next event.
 */
describe('event mapping cache', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
    clearMappingCache();
  });
  afterAll(() => ctx.close());

  const platform = (n: number) => upsertPlatform(ctx.database.db, {
    issuer: `http://moodle${n}.cache.test`, clientId: 'c', name: `Moodle ${n}`, lms: 'moodle', authEndpoint: 'http://x/auth', tokenEndpoint: 'http://x/token', jwksUrl: 'http://x/jwks',
  });
  const learner = async (platformId: string, userId: string) =>
    (await ctx.database.pool.query<{ id: string }>(`insert into learners (platform_id, lti_user_id, name) values ($1, $2, 'L') returning id`, [platformId, userId])).rows[0]!.id;
  const graded = (userId: string): NormalisedEvent => {
    const parsed = parseMoodleEvent({
      schema: 'laurel.moodle.v1', id: `e-${userId}-${Math.random()}`, event: 'user_graded', time: Math.floor(Date.now() / 1000), site: { url: 'http://moodle.cache.test' },
      course: { id: '2', fullname: 'Course 2' }, user: { id: userId }, item: { id: '12', name: 'Quiz', grademax: 100 }, grade: { finalgrade: 90, hidden: false, excluded: false },
    });
    if (parsed.kind !== 'event') throw new Error('expected an event');
    return parsed.event;
  };

  it('maps the same LMS ids on two platforms to each platform\'s own course and learner, and remembers no miss', async () => {
    const [a, b] = [await platform(1), await platform(2)];
    const courseA = await upsertLtiCourse(ctx.database.db, { platformId: a.id, deploymentRowId: null, contextId: '2', title: 'A' });
    const courseB = await upsertLtiCourse(ctx.database.db, { platformId: b.id, deploymentRowId: null, contextId: '2', title: 'B' });
    const learnerA = await learner(a.id, '7');
    const learnerB = await learner(b.id, '7');

    expect(await resolveMapping(ctx.database.db, { platformId: a.id, event: graded('7') })).toEqual({ courseId: courseA.id, learnerId: learnerA });
    // The same course id and user id from the other platform: its own rows, not platform A's remembered ones.
    expect(await resolveMapping(ctx.database.db, { platformId: b.id, event: graded('7') })).toEqual({ courseId: courseB.id, learnerId: learnerB });

    // A learner not known yet: the course is found (remembered), the learner is not, and the miss is not kept.
    expect(await resolveMapping(ctx.database.db, { platformId: a.id, event: graded('8') })).toEqual({ courseId: courseA.id, learnerId: null });
    const later = await learner(a.id, '8');
    expect(await resolveMapping(ctx.database.db, { platformId: a.id, event: graded('8') })).toEqual({ courseId: courseA.id, learnerId: later });

    // Concurrent events share one learner lookup: each still gets its own platform's learner, or none.
    const users = Array.from({ length: 12 }, (_, i) => String(100 + i));
    const expected = new Map<string, string>();
    for (const user of users.slice(0, 8)) {
      expected.set(`a/${user}`, await learner(a.id, user));
      expected.set(`b/${user}`, await learner(b.id, user));
    }
    const asked = users.flatMap((user) => [['a', a.id, user], ['b', b.id, user]] as const);
    const got = await Promise.all(asked.map(([, platformId, user]) => resolveMapping(ctx.database.db, { platformId, event: graded(user) })));
    expect(got.map((m) => m.learnerId)).toEqual(asked.map(([p, , user]) => expected.get(`${p}/${user}`) ?? null));
    expect(got.map((m) => m.courseId)).toEqual(asked.map(([p]) => (p === 'a' ? courseA.id : courseB.id)));
  });
});
