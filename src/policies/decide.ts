import { RULES, type Permission, type Principal, type Rule, type Subject } from './rules';

export interface Decision {
  allowed: boolean;
  /** Why: the granting rule's reason, or what no rule granted. */
  reason: string;
  /** The rule that allowed it. */
  rule?: Rule;
}

/**
 * Whether `principal` may exercise `permission` on `subject`: the first rule that matches allows.
 * Public permissions are open to every principal (a signed-in person may read a public page too).
 */
export function decide(principal: Principal, permission: Permission, subject: Subject = {}, rules: readonly Rule[] = RULES): Decision {
  for (const rule of rules) {
    if (rule.permission !== permission) continue;
    if (rule.principal !== principal.kind && !(rule.principal === 'anonymous')) continue;
    if (matches(rule, principal, subject)) return { allowed: true, reason: rule.reason, rule };
  }
  return { allowed: false, reason: `No rule grants ${permission} to ${describe(principal)}${subject.platformId !== undefined ? ' on this platform' : ''}.` };
}

/** Shorthand for `decide(...).allowed`. */
export function can(principal: Principal, permission: Permission, subject?: Subject): boolean {
  return decide(principal, permission, subject).allowed;
}

function matches(rule: Rule, principal: Principal, subject: Subject): boolean {
  if (rule.principal === 'anonymous') return true;
  if (rule.role && !(principal.kind === 'person' && principal.roles.includes(rule.role))) return false;
  if (rule.operator && !(principal.kind === 'person' && principal.operator)) return false;
  if (rule.scope && !(principal.kind === 'token' && (principal.scopes.includes(rule.scope) || principal.scopes.includes('admin')))) return false;
  return (rule.conditions ?? []).every((condition) => {
    switch (condition) {
      case 'instanceWide':
        return principal.kind === 'token' && principal.platformId === null;
      case 'samePlatform': {
        const own = principal.kind === 'person' || principal.kind === 'token' ? principal.platformId : null;
        // An instance-wide object (platformId null) is never "the same platform" of a tenant.
        return own !== null && (subject.platformId === undefined || subject.platformId === own);
      }
      case 'sameCourse':
        return principal.kind === 'person' && (subject.courseId === undefined || subject.courseId === principal.courseId);
    }
  });
}

function describe(principal: Principal): string {
  switch (principal.kind) {
    case 'anonymous':
      return 'an anonymous caller';
    case 'operator':
      return 'an operator';
    case 'token':
      return principal.platformId ? `a token bound to a platform with scopes ${principal.scopes.join(',')}` : `an instance-wide token with scopes ${principal.scopes.join(',')}`;
    case 'person':
      return principal.operator ? 'an operator' : `a person with roles ${principal.roles.join(',') || 'none'}`;
  }
}
