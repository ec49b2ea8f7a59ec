import { landingPath } from '../../src/lti/launch-routes';

describe('landingPath', () => {
  const course = { id: '11111111-1111-4111-8111-111111111111' } as never;
  const badge = '22222222-2222-4222-8222-222222222222';

  it('opens the role page, or the placed badge for instructors', () => {
    expect(landingPath('/lti', { course, landing: 'learner', target: 'course' })).toBe('/lti/courses/11111111-1111-4111-8111-111111111111/learner');
    expect(landingPath('/lti', { course, landing: 'instructor', target: `achievement:${badge}` })).toBe(`/lti/courses/11111111-1111-4111-8111-111111111111/instructor/badges/${badge}`);
    expect(landingPath('/lti', { course, landing: 'learner', target: `achievement:${badge}` })).toBe(`/lti/courses/11111111-1111-4111-8111-111111111111/learner#achievement-${badge}`);
  });
});
