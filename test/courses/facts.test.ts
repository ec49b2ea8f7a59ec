// The course and learner facts courses lets other modules read (reach's email, gradebook, Moodle plugin,
// My badges), on the real database: batches by id, and the questions a platform's own ids ask, which
// never answer with another platform's records.
import { sql } from 'kysely';
import {
  courseFacts, enroll, learnerFacts, learnerIdsOfPerson, learnersOfPlatformUser, platformCourseIds, platformSentLearner,
  upsertLtiCourse, upsertLtiLearner, upsertManualLearner, upsertPlatform,
} from '../../src/courses';
import { createTestContext, type TestContext } from '../support/context';

const LEARNER = 'http://purl.imsglobal.org/vocab/lis/v2/membership#Learner';

describe('course and learner facts for other modules', () => {
  let ctx: TestContext;
  let a: string;
  let b: string;
  const course: Record<string, string> = {};
  const learner: Record<string, string> = {};

  beforeAll(async () => {
    ctx = await createTestContext();
    const db = ctx.database.db;
    const platform = (name: string) => upsertPlatform(db, { issuer: `https://${name}.example`, clientId: name, name, lms: 'moodle', authEndpoint: `https://${name}.example/a`, tokenEndpoint: `https://${name}.example/t`, jwksUrl: `https://${name}.example/j` });
    a = (await platform('a')).id;
    b = (await platform('b')).id;
    course.a2 = (await upsertLtiCourse(db, { platformId: a, deploymentRowId: null, contextId: '2', lmsCourseId: '2', title: 'Biology', agsLineitemsUrl: 'https://a.example/li' })).id;
    course.a3 = (await upsertLtiCourse(db, { platformId: a, deploymentRowId: null, contextId: 'ctx-3', lmsCourseId: '3', title: 'Chemistry' })).id;
    course.b2 = (await upsertLtiCourse(db, { platformId: b, deploymentRowId: null, contextId: '2', lmsCourseId: '2', title: 'Elsewhere' })).id;
    await sql`update courses set ags_scopes = ${['https://purl.imsglobal.org/spec/lti-ags/scope/score']}::text[] where id = ${course.a2}`.execute(db);
    learner.sam = (await upsertLtiLearner(db, { platformId: a, ltiUserId: '4', lmsUserId: '4', email: 'sam@example.com', name: 'Sam' })).id;
    learner.samEvents = (await upsertLtiLearner(db, { platformId: a, ltiUserId: 'events-4', lmsUserId: '4', name: 'Sam (events)' })).id;
    learner.ltiOnly = (await upsertLtiLearner(db, { platformId: a, ltiUserId: '7', name: 'Lee' })).id;
    learner.other = (await upsertLtiLearner(db, { platformId: a, ltiUserId: '4x', lmsUserId: '5', name: 'Five' })).id;
    learner.samB = (await upsertLtiLearner(db, { platformId: b, ltiUserId: '4', lmsUserId: '4', name: 'Sam B' })).id;
    learner.manual = (await upsertManualLearner(db, { email: 'manual@example.com', name: 'Manual' })).id;
    await enroll(db, { courseId: course.a2!, learnerId: learner.sam!, roles: [LEARNER], source: 'launch' });
    await enroll(db, { courseId: course.a2!, learnerId: learner.ltiOnly!, roles: ['Learner'], source: 'roster' });
    await enroll(db, { courseId: course.a2!, learnerId: learner.other!, roles: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor'], source: 'launch' });
    await enroll(db, { courseId: course.a2!, learnerId: learner.samEvents!, roles: [LEARNER], source: 'event' });
    await enroll(db, { courseId: course.a2!, learnerId: learner.manual!, roles: [LEARNER], source: 'api' });
    await enroll(db, { courseId: course.a2!, learnerId: learner.samB!, roles: [LEARNER], source: 'launch' });
    await enroll(db, { courseId: course.a3!, learnerId: learner.sam!, roles: [LEARNER], status: 'inactive', source: 'launch' });
  });
  afterAll(() => ctx?.close());

  it('answers courses and learners by id in one batch; unknown ids are absent', async () => {
    const db = ctx.database.db;
    const courses = await courseFacts(db, [course.a2!, course.a3!, course.a2!, '00000000-0000-0000-0000-000000000000']);
    expect([...courses.keys()].sort()).toEqual([course.a2, course.a3].sort());
    expect(courses.get(course.a2!)).toEqual({ id: course.a2, platformId: a, title: 'Biology', contextId: '2', lmsCourseId: '2', agsLineItemsUrl: 'https://a.example/li', agsScopes: ['https://purl.imsglobal.org/spec/lti-ags/scope/score'] });
    expect(courses.get(course.a3!)?.agsScopes).toEqual([]);
    const learners = await learnerFacts(db, [learner.sam!, learner.manual!]);
    expect(learners.get(learner.sam!)).toEqual({ id: learner.sam, platformId: a, ltiUserId: '4', lmsUserId: '4', email: 'sam@example.com', name: 'Sam' });
    expect(learners.get(learner.manual!)).toMatchObject({ platformId: null, ltiUserId: null, email: 'manual@example.com' });
    expect(await courseFacts(db, [])).toEqual(new Map());
    expect(await learnerFacts(db, [])).toEqual(new Map());
  });

  it('a platform user id names that platform\'s records only: by LMS user id, else by LTI user id', async () => {
    const db = ctx.database.db;
    const ids = async (platformId: string, userId: string) => (await learnersOfPlatformUser(db, { platformId, userId })).map((l) => l.id).sort();
    expect(await ids(a, '4')).toEqual([learner.sam, learner.samEvents].sort());
    expect(await ids(b, '4')).toEqual([learner.samB]);
    expect(await ids(a, '7')).toEqual([learner.ltiOnly]);
    // An LTI user id does not name a learner whose LMS user id differs.
    expect(await ids(a, '4x')).toEqual([]);
    expect(await ids(a, '5')).toEqual([learner.other]);
  });

  it('one person on a platform: their records sharing an LMS user id there, nothing for another platform\'s learner', async () => {
    const db = ctx.database.db;
    expect((await learnerIdsOfPerson(db, { platformId: a, learnerId: learner.sam! })).sort()).toEqual([learner.sam, learner.samEvents].sort());
    expect(await learnerIdsOfPerson(db, { platformId: a, learnerId: learner.ltiOnly! })).toEqual([learner.ltiOnly]);
    expect(await learnerIdsOfPerson(db, { platformId: b, learnerId: learner.sam! })).toEqual([]);
    expect(await learnerIdsOfPerson(db, { platformId: a, learnerId: learner.samB! })).toEqual([]);
  });

  it('an LMS course id names the platform\'s courses by LMS id or context id, never another platform\'s', async () => {
    const db = ctx.database.db;
    expect(await platformCourseIds(db, { platformId: a, lmsCourseId: '2' })).toEqual([course.a2]);
    expect(await platformCourseIds(db, { platformId: a, lmsCourseId: '3' })).toEqual([course.a3]);
    expect(await platformCourseIds(db, { platformId: a, lmsCourseId: 'ctx-3' })).toEqual([course.a3]);
    expect(await platformCourseIds(db, { platformId: b, lmsCourseId: '3' })).toEqual([]);
  });

  it('the learner a platform itself sent: launched or rostered, active, a Learner, of that platform', async () => {
    const db = ctx.database.db;
    const sent = (learnerId: string, props: { platformId?: string; courseId?: string } = {}) => platformSentLearner(db, { platformId: props.platformId ?? a, courseId: props.courseId ?? course.a2!, learnerId });
    expect(await sent(learner.sam!)).toEqual({ ltiUserId: '4' });
    expect(await sent(learner.ltiOnly!)).toEqual({ ltiUserId: '7' });
    expect(await sent(learner.other!)).toBeUndefined(); // an instructor
    expect(await sent(learner.samEvents!)).toBeUndefined(); // enrolled by an event Laurel received
    expect(await sent(learner.manual!)).toBeUndefined(); // enrolled through the API, no LTI user id
    expect(await sent(learner.samB!)).toBeUndefined(); // another platform's learner in this course
    expect(await sent(learner.sam!, { platformId: b })).toBeUndefined();
    expect(await sent(learner.sam!, { courseId: course.a3! })).toBeUndefined(); // inactive there
    expect(await sent(learner.sam!, { courseId: course.b2! })).toBeUndefined(); // not enrolled there
  });
});
