import { can, decide, PERMISSIONS, RULES, type Permission, type Principal } from '../../src/policies';

const P = '11111111-1111-4111-8111-111111111111';
const Q = '22222222-2222-4222-8222-222222222222';
const COURSE = '33333333-3333-4333-8333-333333333333';

const anonymous: Principal = { kind: 'anonymous' };
const learner: Principal = { kind: 'person', platformId: P, courseId: COURSE, roles: ['learner'], operator: false };
const instructor: Principal = { kind: 'person', platformId: P, courseId: COURSE, roles: ['instructor'], operator: false };
const platformAdmin: Principal = { kind: 'person', platformId: P, courseId: COURSE, roles: ['admin'], operator: false };
const operatorPerson: Principal = { kind: 'person', platformId: P, courseId: COURSE, roles: ['learner'], operator: true };
const operatorLink: Principal = { kind: 'operator', operatorId: 'operator:console' };
const instanceAdminToken: Principal = { kind: 'token', platformId: null, scopes: ['admin'] };
const boundAdminToken: Principal = { kind: 'token', platformId: P, scopes: ['admin'] };
const boundEventsToken: Principal = { kind: 'token', platformId: P, scopes: ['events'] };
const metricsToken: Principal = { kind: 'token', platformId: null, scopes: ['metrics'] };
const boundMetricsToken: Principal = { kind: 'token', platformId: P, scopes: ['metrics'] };

describe('policies: who may do what', () => {
  it.each<[string, Principal, Permission, { platformId?: string | null; courseId?: string } | undefined, boolean]>([
    ['anyone reads public documents', anonymous, 'public:read', undefined, true],
    ['a learner reads public documents too', learner, 'public:read', undefined, true],
    ['an anonymous caller is no learner', anonymous, 'course:learn', undefined, false],
    ['a learner learns in their course', learner, 'course:learn', { courseId: COURSE }, true],
    ['a learner does not learn in another course', learner, 'course:learn', { courseId: 'other' }, false],
    ['a learner does not teach', learner, 'course:teach', undefined, false],
    ['an instructor teaches their course', instructor, 'course:teach', { courseId: COURSE }, true],
    ['an instructor does not administer the platform', instructor, 'platform:administer', { platformId: P }, false],
    ['a platform administrator administers their platform', platformAdmin, 'platform:administer', { platformId: P }, true],
    ['a platform administrator does not administer another platform', platformAdmin, 'platform:administer', { platformId: Q }, false],
    ['a platform administrator does not administer instance-wide objects', platformAdmin, 'platform:administer', { platformId: null }, false],
    ['a platform administrator is no operator', platformAdmin, 'instance:operate', undefined, false],
    ['a named operator (any LMS role) operates the instance', operatorPerson, 'instance:operate', undefined, true],
    ['a named operator administers every platform', operatorPerson, 'platform:administer', { platformId: Q }, true],
    ['an operator signed in by link operates', operatorLink, 'instance:operate', undefined, true],
    ['an instance-wide admin token operates', instanceAdminToken, 'instance:operate', undefined, true],
    ['a platform-bound admin token does not operate', boundAdminToken, 'instance:operate', undefined, false],
    ['a platform-bound admin token administers its platform', boundAdminToken, 'platform:administer', { platformId: P }, true],
    ['a platform-bound admin token does not administer another', boundAdminToken, 'platform:administer', { platformId: Q }, false],
    ['a platform-bound admin token uses the admin API', boundAdminToken, 'api:admin', undefined, true],
    ['admin implies events', boundAdminToken, 'api:events', undefined, true],
    ['an events token is no admin', boundEventsToken, 'api:admin', undefined, false],
    ['metrics span tenants: instance-wide metrics token', metricsToken, 'api:metrics', undefined, true],
    ['metrics span tenants: a bound token is refused', boundMetricsToken, 'api:metrics', undefined, false],
    ['a bound admin token is refused metrics too', boundAdminToken, 'api:metrics', undefined, false],
    ['a person never gets an API permission', platformAdmin, 'api:admin', undefined, false],
  ])('%s', (_name, principal, permission, subject, expected) => {
    expect(can(principal, permission, subject)).toBe(expected);
  });

  it('explains every decision: the granting rule, or what no rule granted', () => {
    const allowed = decide(platformAdmin, 'platform:administer', { platformId: P });
    expect(allowed).toMatchObject({ allowed: true, reason: expect.stringContaining('administers that platform only') });
    expect(allowed.rule?.principal).toBe('person');
    const refused = decide(platformAdmin, 'instance:operate');
    expect(refused).toEqual({ allowed: false, reason: 'No rule grants instance:operate to a person with roles admin.' });
  });

  it('has rules as data: each names a known permission and carries a reason; every permission has a rule', () => {
    for (const rule of RULES) {
      expect(PERMISSIONS).toContain(rule.permission);
      expect(rule.reason.length).toBeGreaterThan(10);
    }
    for (const permission of PERMISSIONS) expect(RULES.some((r) => r.permission === permission)).toBe(true);
  });

  it('lets an LMS role alone never reach instance:operate', () => {
    const everyRole: Principal = { kind: 'person', platformId: P, courseId: COURSE, roles: ['admin', 'instructor', 'learner'], operator: false };
    expect(can(everyRole, 'instance:operate')).toBe(false);
  });
});
