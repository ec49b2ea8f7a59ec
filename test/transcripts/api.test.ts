import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Express } from 'express';
import { SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import request from 'supertest';
import { upsertPlatform } from '../../src/courses';
import { createToken } from '../../src/tokens';
import { performExportCourse, transcriptsDepsFor } from '../../src/transcripts';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { badgesDepsOf, clrSchemaValidator, describeWithClrSpec, seedCourse, verifyJws, type SeededCourse } from './support';

// Before any transcripts code reads its options.
process.env.TRANSCRIPTS_EXPORT_DIR = mkdtempSync(join(tmpdir(), 'clr-api-'));

let ctx: TestContext;
let app: Express;
let tokens: Record<'admin' | 'transcripts' | 'events', string>;
let course: SeededCourse;
let otherCourse: SeededCourse;
let platformId: string;

/** A Laurel LTI session cookie as a verified launch would set it (HS256, course-bound). */
async function ltiCookie(props: { cookieCourseId: string; courseId: string; learnerId: string; roles: string[] }): Promise<string> {
  const key = createHash('sha256').update(`laurel-lti-session:${ctx.config.SESSION_SECRET}`).digest();
  const jwt = await new SignJWT({ plt: platformId, crs: props.courseId, roles: props.roles })
    .setProtectedHeader({ alg: 'HS256' }).setSubject(props.learnerId).setAudience('laurel:lti-session').setIssuedAt().setExpirationTime('1h').sign(key);
  return `laurel_lti_${props.cookieCourseId}=${jwt}`;
}

describeWithClrSpec('transcripts HTTP', () => {
  beforeAll(async () => {
    ctx = await createTestContext();
    if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
    app = await createApp(ctx);
    const db = ctx.database.db as unknown as Kysely<unknown>;
    tokens = {
      admin: (await createToken(ctx.database.db, { name: 'a', scopes: ['admin'] })).token,
      transcripts: (await createToken(ctx.database.db, { name: 't', scopes: ['transcripts'] })).token,
      events: (await createToken(ctx.database.db, { name: 'e', scopes: ['events'] })).token,
    };
    course = await seedCourse(badgesDepsOf(db, ctx.config), { title: 'Geology', badges: 2, learners: 2 });
    otherCourse = await seedCourse(badgesDepsOf(db, ctx.config), { title: 'Music', badges: 1, learners: 1 });
    // LTI sessions stand only for courses of an active platform where the person is enrolled.
    platformId = (await upsertPlatform(ctx.database.db, {
      issuer: 'https://lms.example.edu', clientId: 'c1', name: 'LMS', authEndpoint: 'https://lms.example.edu/auth',
      tokenEndpoint: 'https://lms.example.edu/token', jwksUrl: 'https://lms.example.edu/jwks', status: 'active',
    })).id;
    await ctx.database.db.withTables<{ courses: { id: string; platform_id: string | null } }>()
      .updateTable('courses').set({ platform_id: platformId }).where('id', 'in', [course.courseId, otherCourse.courseId]).execute();
  }, 60000);
  afterAll(() => ctx.close());

  const get = (path: string, bearer?: string) => {
    const r = request(app).get(path);
    return bearer ? r.set('Authorization', `Bearer ${bearer}`) : r;
  };

  it('GET /api/v1/learners/:id/clr: 401 without a token, 403 without the scope, the CLR (JSON or JWS) with it', async () => {
    const learner = course.learners[0]!;
    const path = `/api/v1/learners/${learner.id}/clr?courseId=${course.courseId}`;
    expect((await get(path)).status).toBe(401);
    const forbidden = await get(path, tokens.events);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('ERR_FORBIDDEN');
    const ok = await get(path, tokens.transcripts);
    expect(ok.status).toBe(200);
    expect(clrSchemaValidator()(ok.body)).toEqual([]);
    expect(ok.body.credentialSubject.verifiableCredential).toHaveLength(2);
    const jwt = await get(path, tokens.admin).set('Accept', 'application/vc+jwt');
    expect(jwt.status).toBe(200);
    expect(jwt.headers['content-type']).toMatch(/application\/vc\+jwt/);
    const { payload } = await verifyJws(ctx.database.db as never, jwt.text);
    expect(payload.sub).toBe(`urn:uuid:${learner.id}`);
    expect((await get(`/api/v1/learners/00000000-0000-4000-8000-000000000000/clr`, tokens.transcripts)).status).toBe(404);
    expect((await get(`/api/v1/learners/${learner.id}/clr?courseId=nope`, tokens.transcripts)).status).toBe(422);
  }, 30000);

  it('GET /api/v1/courses/:id/transcripts: starts one job, returns it again while it runs, then signed expiring downloads', async () => {
    const path = `/api/v1/courses/${course.courseId}/transcripts`;
    expect((await get(path, tokens.events)).status).toBe(403);
    const first = await get(path, tokens.transcripts);
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ status: 'queued', generation: 1, jobId: `transcripts.${course.courseId}.1`, files: [] });
    const second = await get(path, tokens.admin);
    expect(second.status).toBe(202);
    expect(second.body.id).toBe(first.body.id);
    const job = await ctx.queues.get('export').getJob(first.body.jobId);
    expect(job?.data).toEqual({ exportId: first.body.id });

    await performExportCourse(transcriptsDepsFor(ctx), { exportId: first.body.id }, { attempt: 1, lastAttempt: true, progress: async () => undefined });
    const done = await get(path, tokens.transcripts);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('done');
    expect(done.body.progress).toMatchObject({ percent: 100, learnersDone: 2, credentialsWritten: 2 });
    const csvFile = done.body.files.find((f: { name: string }) => f.name === 'summary.csv');
    const url = new URL(csvFile.url);
    const download = await request(app).get(url.pathname + url.search);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/attachment/);
    expect(download.text).toContain('learner_id,learner_name');
    const tampered = url.search.replace(/sig=./, (m) => (m.endsWith('A') ? 'sig=B' : 'sig=A'));
    expect((await request(app).get(url.pathname + tampered)).status).toBe(403);
    const otherFile = url.pathname.replace('summary.csv', 'clr.jsonl');
    expect((await request(app).get(otherFile + url.search)).status).toBe(403);
    const expired = url.search.replace(/expires=\d+/, 'expires=1000');
    expect((await request(app).get(url.pathname + expired)).status).toBe(403);
  }, 60000);

  it('LTI: a learner downloads only their own CLR; another course\'s session and learners on the instructor route get 403', async () => {
    const learner = course.learners[1]!;
    const own = await request(app).get(`/transcripts/courses/${course.courseId}/clr`)
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: course.courseId, learnerId: learner.id, roles: ['learner'] }));
    expect(own.status).toBe(200);
    expect(JSON.parse(own.text).credentialSubject.id).toBe(`urn:uuid:${learner.id}`);
    expect((await request(app).get(`/transcripts/courses/${course.courseId}/clr`)).status).toBe(401);
    const crossCourse = await request(app).get(`/transcripts/courses/${course.courseId}/clr`)
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: otherCourse.courseId, learnerId: otherCourse.learners[0]!.id, roles: ['learner', 'instructor'] }));
    expect(crossCourse.status).toBe(403);
    const instructorOfOther = await request(app).get(`/transcripts/courses/${course.courseId}/export`)
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: otherCourse.courseId, learnerId: otherCourse.learners[0]!.id, roles: ['instructor'] }));
    expect(instructorOfOther.status).toBe(403);
    const learnerOnInstructorRoute = await request(app).get(`/transcripts/courses/${course.courseId}/export`)
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: course.courseId, learnerId: learner.id, roles: ['learner'] }));
    expect(learnerOnInstructorRoute.status).toBe(403);
    const instructor = await request(app).get(`/transcripts/courses/${course.courseId}/export`)
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: course.courseId, learnerId: course.learners[0]!.id, roles: ['instructor'] }));
    expect([200, 202]).toContain(instructor.status);
    expect(instructor.body.courseId).toBe(course.courseId);
    // A browser gets the progress page for the same export, polling this URL for JSON.
    const page = await request(app).get(`/transcripts/courses/${course.courseId}/export`).set('Accept', 'text/html')
      .set('Cookie', await ltiCookie({ cookieCourseId: course.courseId, courseId: course.courseId, learnerId: course.learners[0]!.id, roles: ['instructor'] }));
    expect([200, 202]).toContain(page.status);
    expect(page.text).toMatch(/<progress id="export-progress" max="\d+" value="\d+">/);
    expect(page.text).toContain(`data-export-poll="/transcripts/courses/${course.courseId}/export"`);
  }, 30000);
});
