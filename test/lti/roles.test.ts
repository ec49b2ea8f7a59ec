import { courseRoles, landingRole } from '../../src/lti/roles';

const LIS = 'http://purl.imsglobal.org/vocab/lis/v2/';

describe('courseRoles', () => {
  it.each<[string, string[], string[]]>([
    ['Moodle learner', [`${LIS}membership#Learner`], ['learner']],
    ['Moodle teacher', [`${LIS}membership#Instructor`], ['instructor']],
    ['teaching assistant sub-role', [`${LIS}membership/Instructor#TeachingAssistant`], ['instructor']],
    ['content developer', [`${LIS}membership#ContentDeveloper`], ['instructor']],
    ['NRPS short role', ['Learner'], ['learner']],
    ['Canvas account admin (fixture)', [`${LIS}institution/person#Administrator`, `${LIS}institution/person#Student`, `${LIS}system/person#SysAdmin`, `${LIS}system/person#User`], ['admin']],
    ['institution Instructor is not a course role', [`${LIS}institution/person#Instructor`], []],
    ['mentor gets nothing', [`${LIS}membership#Mentor`], []],
    // Issue 15: whoever an LMS lets administer one course is no administrator of the platform.
    ['context Administrator is not enough', [`${LIS}membership#Administrator`], []],
    ['short context Administrator is not enough', ['Administrator'], []],
    ['context Administrator teaching', [`${LIS}membership#Administrator`, `${LIS}membership#Instructor`], ['instructor']],
    ['Moodle site admin in a course', [`${LIS}membership#Instructor`, `${LIS}system/person#Administrator`], ['admin', 'instructor']],
  ])('%s', (_name, roles, expected) => {
    expect(courseRoles(roles)).toEqual(expected);
  });

  it('lands administrators on the console, then instructors, then learners', () => {
    expect(landingRole(['admin', 'instructor'])).toBe('admin');
    expect(landingRole(['instructor', 'learner'])).toBe('instructor');
    expect(landingRole(['learner'])).toBe('learner');
    expect(landingRole([])).toBeUndefined();
  });
});
