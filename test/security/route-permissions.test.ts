import { PERMISSIONS } from '../../src/policies';
import { createApp } from '../../src/app';
import { createTestContext, type TestContext } from '../support/context';
import { appRoutes } from './routes';
import { record } from './summary';

// Issue 15: every route declares the permission it needs (src/http/permission.ts). A new route that
// declares none fails here, before it can ship without an authorisation decision.
describe('every route of the app declares a permission', () => {
  let ctx: TestContext;
  beforeAll(async () => {
    ctx = await createTestContext();
  });
  afterAll(() => ctx.close());

  it('finds the routes and none lacks a declaration', async () => {
    const routes = appRoutes(await createApp(ctx));
    expect(routes.length).toBeGreaterThan(60);
    const undeclared = routes.filter((r) => r.permissions.length === 0).map((r) => `${r.method} ${r.path}`);
    record('routes declare a permission', { tried: routes.length, refused: routes.length - undeclared.length, failures: undeclared.length });
    expect(undeclared).toEqual([]);
    for (const route of routes) for (const p of route.permissions) expect(PERMISSIONS).toContain(p);
  });

  it('puts operator-only surfaces behind instance:operate and course pages behind their role', async () => {
    const routes = appRoutes(await createApp(ctx));
    const of = (method: string, path: string) => routes.find((r) => r.method === method && r.path === path)?.permissions;
    expect(of('GET', '/metrics')).toEqual(['api:metrics']);
    expect(routes.filter((r) => r.path.startsWith('/admin/queues')).every((r) => r.permissions.includes('instance:operate'))).toBe(true);
    expect(of('POST', '/lti/courses/:courseId/admin/keys/rotate')).toEqual(expect.arrayContaining(['platform:administer', 'instance:operate']));
    expect(of('POST', '/admin/keys/rotate')).toEqual(expect.arrayContaining(['instance:operate']));
    expect(of('POST', '/lti/courses/:courseId/instructor/badges')).toContain('course:teach');
  });
});
