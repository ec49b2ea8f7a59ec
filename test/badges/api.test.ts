import request from 'supertest';
import type { Express } from 'express';

import { createToken } from '../../src/tokens';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';

let ctx: TestContext;
let app: Express;
let token: string;
let eventsToken: string;

beforeAll(async () => {
  ctx = await createTestContext();
  // Rate limiters load their Redis scripts while the app is built.
  if (ctx.redis.status !== 'ready') await new Promise((resolve) => ctx.redis.once('ready', resolve));
  app = await createApp(ctx);
  token = (await createToken(ctx.database.db, { name: 'ci', scopes: ['admin'] })).token;
  eventsToken = (await createToken(ctx.database.db, { name: 'ev', scopes: ['events'] })).token;
});
afterAll(() => ctx.close());

const post = (path: string, body: unknown, bearer = token) => request(app).post(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`).send(body as object);
const get = (path: string, bearer = token) => request(app).get(`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`);

async function course(): Promise<string> {
  const res = await post('/courses', { title: 'Physics', externalId: `ext-${Math.random()}` });
  expect(res.status).toBe(201);
  return res.body.id;
}
async function achievement(courseId: string, extra: object = {}): Promise<string> {
  const res = await post('/achievements', { courseId, name: 'Optics', description: 'Understands lenses.', criteria: { narrative: 'Pass the optics quiz.' }, ...extra });
  expect(res.status).toBe(201);
  return res.body.id;
}

describe('admin API authentication', () => {
  it('answers 401 without a token and 403 without the admin scope, as problem JSON', async () => {
    const anonymous = await request(app).post('/api/v1/courses').send({ title: 'x' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(anonymous.body.code).toBe('ERR_UNAUTHENTICATED');
    const scoped = await post('/courses', { title: 'x' }, eventsToken);
    expect(scoped.status).toBe(403);
    expect(scoped.body.code).toBe('ERR_FORBIDDEN');
  });
});

describe('POST /courses and /achievements', () => {
  it('creates a course and an achievement with rule, alignment and threshold', async () => {
    const courseId = await course();
    const res = await post('/achievements', {
      courseId,
      name: 'Quiz master',
      description: 'Passed quiz 2.',
      criteria: { narrative: 'At least 80% on Quiz 2.' },
      alignment: [{ targetName: 'Mechanics', targetUrl: 'https://skills.example/mech', targetCode: 'M1' }],
      validForDays: 365,
      rule: { kind: 'score', assignmentId: 'Q2', minPercent: 80 },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ courseId, name: 'Quiz master', requiredPercent: 80, validForDays: 365, status: 'published', rule: { kind: 'score', minPercent: 80 } });
    expect(res.body.id).toMatch(/^[0-9a-f-]{36}$/);
    const list = await get(`/achievements?courseId=${courseId}`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual([res.body.id]);
  });

  it('refuses bad input with precise statuses and codes', async () => {
    const missing = await post('/courses', {});
    expect([missing.status, missing.body.code]).toEqual([422, 'ERR_VALIDATION']);
    expect(missing.body.errors[0].field).toBe('title');
    const malformed = await request(app).post('/api/v1/courses').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"title":');
    expect([malformed.status, malformed.body.code]).toEqual([400, 'ERR_MALFORMED']);
    const unknownCourse = await post('/achievements', { courseId: '00000000-0000-4000-8000-000000000000', name: 'x', description: 'x', criteria: { narrative: 'x' } });
    expect([unknownCourse.status, unknownCourse.body.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const badRule = await post('/achievements', { courseId: await course(), name: 'x', description: 'x', criteria: { narrative: 'x' }, rule: { kind: 'score', assignmentId: 'A1', minPercent: 180 } });
    expect([badRule.status, badRule.body.code]).toEqual([422, 'ERR_VALIDATION']);
    const fakePng = await post('/achievements', { courseId: await course(), name: 'x', description: 'x', criteria: { narrative: 'x' }, image: `data:image/png;base64,${Buffer.from('<svg></svg>').toString('base64')}` });
    expect([fakePng.status, fakePng.body.code, fakePng.body.errors[0].field]).toEqual([422, 'ERR_VALIDATION', 'image']);
    const dtd = '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>';
    const entitySvg = await post('/achievements', { courseId: await course(), name: 'x', description: 'x', criteria: { narrative: 'x' }, image: `data:image/svg+xml;base64,${Buffer.from(dtd).toString('base64')}` });
    expect([entitySvg.status, entitySvg.body.code]).toEqual([422, 'ERR_VALIDATION']);
    const badQuery = await get('/achievements?courseId=nope');
    expect([badQuery.status, badQuery.body.code]).toEqual([422, 'ERR_VALIDATION']);
  });
});

describe('POST /awards', () => {
  it('answers 201 with credentialId null, enqueues the issue job under the award id, and is idempotent', async () => {
    const achievementId = await achievement(await course());
    const res = await post('/awards', { achievementId, recipient: { email: 'Grace@Example.edu', name: 'Grace' }, evidence: { name: 'Optics quiz' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ achievementId, status: 'issued', credentialId: null, learner: { email: 'Grace@Example.edu', name: 'Grace' }, evidence: [{ name: 'Optics quiz' }] });
    const job = await ctx.queues.get('issue').getJob(res.body.id);
    expect(job?.data).toEqual({ awardId: res.body.id });
    const again = await post('/awards', { achievementId, recipient: { email: 'grace@example.edu' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(res.body.id);
    const list = await get(`/awards?achievementId=${achievementId}`);
    expect(list.body.items).toEqual([expect.objectContaining({ id: res.body.id, achievementId, status: 'issued', credentialId: null, learner: { id: res.body.learner.id, email: 'Grace@Example.edu', name: 'Grace' } })]);
  });

  it('refuses unknown and unpublished achievements and bad recipients', async () => {
    const courseId = await course();
    const unknown = await post('/awards', { achievementId: '00000000-0000-4000-8000-000000000000', recipient: { email: 'a@example.edu' } });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const draft = await post('/awards', { achievementId: await achievement(courseId, { status: 'draft' }), recipient: { email: 'a@example.edu' } });
    expect([draft.status, draft.body.code]).toEqual([409, 'ERR_ACHIEVEMENT_NOT_PUBLISHED']);
    const badEmail = await post('/awards', { achievementId: await achievement(courseId), recipient: { email: 'not-an-email' } });
    expect([badEmail.status, badEmail.body.code]).toEqual([422, 'ERR_VALIDATION']);
    expect(badEmail.body.errors[0].field).toBe('recipient.email');
  });
});

describe('POST /awards/:id/revoke', () => {
  it('revokes once, then answers 409; unknown 404; missing reason 422', async () => {
    const achievementId = await achievement(await course());
    const award = await post('/awards', { achievementId, recipient: { email: 'r@example.edu' } });
    const revoked = await post(`/awards/${award.body.id}/revoke`, { reason: 'Issued by mistake' });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: award.body.id, status: 'revoked', revokedReason: 'Issued by mistake' });
    const twice = await post(`/awards/${award.body.id}/revoke`, { reason: 'again' });
    expect([twice.status, twice.body.code]).toEqual([409, 'ERR_AWARD_REVOKED']);
    const unknown = await post('/awards/00000000-0000-4000-8000-000000000000/revoke', { reason: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'ERR_NOT_FOUND']);
    const noReason = await post(`/awards/${award.body.id}/revoke`, {});
    expect([noReason.status, noReason.body.code]).toEqual([422, 'ERR_VALIDATION']);
    const list = await get(`/awards?achievementId=${achievementId}`);
    expect(list.body.items[0].status).toBe('revoked');
  });
});
