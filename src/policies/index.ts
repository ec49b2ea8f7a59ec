// The one place that decides who may do what (DESIGN section 9 "Tenancy"). Pure: no I/O.
export { PERMISSIONS, RULES, type CourseRole, type Permission, type Principal, type Rule, type Subject, type TokenScope } from './rules';
export { can, decide, type Decision } from './decide';
