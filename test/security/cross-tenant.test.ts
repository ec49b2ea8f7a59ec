import express from 'express';
import request from 'supertest';
import { sql } from 'kysely';
import { courseRoles } from '../../src/lti/roles';
import { LtiSessions } from '../../src/lti/session';
import { listTokens } from '../../src/tokens';
import { appRoutes, type AppRoute } from './routes';
import { record } from './summary';
import { createTwoTenants, type Tenant, type TwoTenants } from './two-tenants';

jest.setTimeout(120_000);

/**
 * Issue 15, "Tried as an attacker would": platform A's administrator and A's bound token try every
 * admin and API route of the real app against platform B's objects. Nothing of B may come back, and
 * nothing of B may change. Routes are enumerated from the app, so a new route is attacked too.
 */
describe('cross-tenant: platform A reaches nothing of platform B', () => {
  let t: TwoTenants;
  let routes: AppRoute[];
  let bTokenId: string;
  beforeAll(async () => {
    t = await createTwoTenants();
    routes = appRoutes(t.app);
    bTokenId = (await listTokens(t.ctx.database.db as never, { platformId: t.b.platformId }))[0]!.id;
  });
  afterAll(() => t.close());

  const idFor = (b: Tenant, name: string, path: string): string => {
    const before = path.slice(0, path.indexOf(`:${name}`)).split('/').filter(Boolean).pop() ?? '';
    const byName: Record<string, string> = { courseId: b.courseId, sourceId: b.sourceId, achievementId: b.achievementId, badgeId: b.achievementId, awardId: b.awardId, learnerId: b.learnerId, platformId: b.platformId, tokenId: bTokenId, issuerId: 'default', jobId: b.courseId, file: 'x' };
    const bySegment: Record<string, string> = { courses: b.courseId, learners: b.learnerId, awards: b.awardId, achievements: b.achievementId, 'event-sources': b.sourceId, platforms: b.platformId, tokens: bTokenId };
    return name === 'id' ? (bySegment[before] ?? b.courseId) : (byName[name] ?? b.courseId);
  };
  const fill = (path: string, b: Tenant, own?: { courseId: string }) =>
    path.replace(/:(\w+)/g, (_m, name: string) => (own && name === 'courseId' && path.startsWith('/lti/courses/:courseId') ? own.courseId : idFor(b, name, path)));

  /** A body that passes validation where the route is known, naming B's objects. */
  const bodyFor = (b: Tenant, path: string): Record<string, unknown> => ({
    '/api/v1/achievements': { courseId: b.courseId, name: 'Stolen', description: 'x', criteria: { narrative: 'x' } },
    '/api/v1/awards': { achievementId: b.achievementId, recipient: { email: 'thief@alpha.example' } },
    '/api/v1/awards/:id/revoke': { reason: 'cross-tenant attempt' },
    '/api/v1/events': { id: 'evt-cross-1', courseId: b.courseId, learner: { id: 'x', email: 'x@alpha.example', name: 'X' }, assignment: { id: 'A1', name: 'A1' }, scoreGiven: 10, scoreMaximum: 10, occurredAt: new Date().toISOString() },
    '/api/v1/event-sources': { kind: 'moodle', name: 'Stolen source', platformId: b.platformId },
  }[path] ?? { courseId: b.courseId, achievementId: b.achievementId, platformId: b.platformId, learnerId: b.learnerId });

  const leaks = (text: string, b: Tenant) => b.markers.filter((m) => text.includes(m));

  it('a token bound to A: every /api/v1 route answers nothing of B (404 for B ids), and B is unchanged', async () => {
    const apiRoutes = routes.filter((r) => r.path.startsWith('/api/v1/') && r.path !== '/api/v1/verify' && r.path !== '/api/v1/openapi.json');
    expect(apiRoutes.length).toBeGreaterThanOrEqual(15);
    const failures: string[] = [];
    for (const route of apiRoutes) {
      const path = fill(route.path, t.b);
      const query = new URLSearchParams({ courseId: t.b.courseId, achievementId: t.b.achievementId }).toString();
      const method = route.method.toLowerCase() as 'get' | 'post' | 'delete' | 'put' | 'patch';
      let call = request(t.app)[method](`${path}${route.method === 'GET' ? `?${query}` : ''}`).set('Authorization', `Bearer ${t.a.token}`);
      if (route.path.endsWith('/gradebook-imports')) call = call.set('Content-Type', 'text/csv').send('x');
      else if (route.method !== 'GET' && route.method !== 'DELETE') call = call.send(bodyFor(t.b, route.path));
      const res = await call;
      const namesB = /:/.test(route.path) || route.method === 'GET' || JSON.stringify(bodyFor(t.b, route.path)).includes(t.b.courseId);
      const leaked = leaks(res.text, t.b);
      if (leaked.length) failures.push(`${route.method} ${route.path}: answer mentions B (${leaked.join(', ')})`);
      else if (namesB && res.status < 300 && route.path !== '/api/v1/courses' && !(route.method === 'GET' && !/:/.test(route.path))) failures.push(`${route.method} ${route.path}: ${res.status} for B's object`);
      else if (res.status >= 500) failures.push(`${route.method} ${route.path}: ${res.status}`);
    }
    // Unfiltered listings answer A's objects only.
    for (const path of ['/api/v1/achievements', '/api/v1/awards', '/api/v1/event-sources']) {
      const res = await request(t.app).get(path).set('Authorization', `Bearer ${t.a.token}`);
      if (res.status !== 200 || leaks(res.text, t.b).length || !res.text.includes(path.endsWith('sources') ? t.a.sourceId : t.a.achievementId)) failures.push(`GET ${path} unfiltered: ${res.status} ${leaks(res.text, t.b).join(', ')}`);
    }
    record('cross-tenant: bound token on every API route', { tried: apiRoutes.length + 3, refused: apiRoutes.length + 3 - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
    const award = await sql<{ status: string }>`select status from awards where id = ${t.b.awardId}`.execute(t.ctx.database.db);
    expect(award.rows[0]!.status).not.toBe('revoked');
    const stolen = await sql<{ n: string }>`select count(*) as n from achievements where name = 'Stolen'`.execute(t.ctx.database.db);
    expect(Number(stolen.rows[0]!.n)).toBe(0);
  });

  it('A bound token is answered 404 (not 403) for B objects: ids do not leak', async () => {
    const a = (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${t.a.token}`);
    expect((await a(`/api/v1/achievements?courseId=${t.b.courseId}`)).status).toBe(404);
    expect((await a(`/api/v1/learners/${t.b.learnerId}/clr`)).status).toBe(404);
    const revoke = await request(t.app).post(`/api/v1/awards/${t.b.awardId}/revoke`).set('Authorization', `Bearer ${t.a.token}`).send({ reason: 'x' });
    expect(revoke.status).toBe(404);
    expect(revoke.body).toMatchObject({ status: 404, code: 'ERR_NOT_FOUND' });
    // Its own objects work: the binding restricts, it does not break.
    expect((await a(`/api/v1/achievements?courseId=${t.a.courseId}`)).status).toBe(200);
    const asOperator = await request(t.app).get(`/api/v1/learners/${t.a.learnerId}/clr`).set('Authorization', `Bearer ${t.instanceToken}`);
    expect((await a(`/api/v1/learners/${t.a.learnerId}/clr`)).status).toBe(asOperator.status);
    // A course it creates belongs to its platform.
    const created = await request(t.app).post('/api/v1/courses').set('Authorization', `Bearer ${t.a.token}`).send({ title: 'Alpha manual' });
    expect(created.status).toBe(201);
    const owner = await sql<{ platform_id: string }>`select platform_id from courses where id = ${created.body.id}`.execute(t.ctx.database.db);
    expect(owner.rows[0]!.platform_id).toBe(t.a.platformId);
    expect((await request(t.app).get(`/api/v1/achievements?courseId=${created.body.id}`).set('Authorization', `Bearer ${t.b.token}`)).status).toBe(404);
  });

  it("A's platform administrator: every console route, aimed at B's objects, is refused and changes nothing", async () => {
    const pagePath = `/lti/courses/${t.a.courseId}/admin`;
    const page = await request(t.app).get(pagePath).set('Cookie', t.a.adminCookie).set('Accept', 'text/html');
    expect(page.status).toBe(200);
    expect(leaks(page.text, t.b)).toEqual([]);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const consoleRoutes = routes.filter((r) => r.path.startsWith('/lti/courses/:courseId/admin/') || r.path.startsWith('/admin/'));
    const failures: string[] = [];
    for (const route of consoleRoutes) {
      if (route.path === '/admin/sign-in') continue;
      const path = fill(route.path, t.b, t.a);
      const method = route.method === '_ALL' ? 'get' : (route.method.toLowerCase() as 'get' | 'post');
      let call = request(t.app)[method](path).set('Cookie', t.a.adminCookie).set('Accept', 'text/html');
      if (method === 'post') call = call.type('form').send({ _csrf: csrf, confirm: 'yes', issuerId: 'default', name: 'Alpha token', scopes: 'admin', reach: 'instance', accountId: '1', apiBase: 'https://lms.beta.edu', format: 'live-event', lms: 'moodle', issuer: 'https://evil.example', clientId: 'x', authEndpoint: 'https://evil.example/a', tokenEndpoint: 'https://evil.example/t', jwksUrl: 'https://evil.example/k', deploymentIds: '1' });
      const res = await call;
      const namesB = /:(?!courseId)/.test(route.path);
      const operatorOnly = /\/(keys\/rotate|issuers\/|platforms$|activate$)/.test(route.path) || route.path.startsWith('/admin/');
      const leaked = leaks(res.text, t.b);
      if (leaked.length) failures.push(`${route.method} ${route.path}: answer mentions B (${leaked.join(', ')})`);
      else if ((namesB || operatorOnly) && res.status < 400) failures.push(`${route.method} ${route.path}: ${res.status}`);
      else if (res.status >= 500) failures.push(`${route.method} ${route.path}: ${res.status}`);
    }
    record('cross-tenant: platform admin on every console route', { tried: consoleRoutes.length, refused: consoleRoutes.length - failures.length, failures: failures.length });
    expect(failures).toEqual([]);
    // B is intact; the token A minted is bound to A although it asked for instance-wide reach.
    const db = t.ctx.database.db;
    expect((await sql<{ status: string }>`select status from platforms where id = ${t.b.platformId}`.execute(db)).rows[0]!.status).toBe('active');
    expect((await sql<{ enabled: boolean }>`select enabled from event_sources where id = ${t.b.sourceId}`.execute(db)).rows[0]!.enabled).toBe(true);
    expect((await listTokens(db as never, { platformId: t.b.platformId })).every((tok) => tok.revokedAt === null)).toBe(true);
    const minted = (await listTokens(db as never)).filter((tok) => tok.name === 'Alpha token');
    expect(minted.length).toBeGreaterThan(0);
    expect(minted.every((tok) => tok.platformId === t.a.platformId)).toBe(true);
  });

  it("a context-level Administrator of A's course gets no console at all", async () => {
    const roles = courseRoles(['http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator']);
    expect(roles).toEqual([]);
    // Even a session claiming only instructor+learner (what such a launch yields at most) is refused.
    const sessions = new LtiSessions({ secret: t.ctx.config.SESSION_SECRET, secure: false });
    const minter = express().get('/mint', async (_req, res) => {
      await sessions.issue(res, { platformId: t.a.platformId, courseId: t.a.courseId, learnerId: t.a.learnerId, roles: ['instructor', 'learner'] });
      res.end();
    });
    const cookie = (await request(minter).get('/mint')).headers['set-cookie']![0]!.split(';')[0]!;
    expect((await request(t.app).get(`/lti/courses/${t.a.courseId}/admin`).set('Cookie', cookie)).status).toBe(403);
  });
});
