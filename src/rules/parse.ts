import type { z } from 'zod';
import { LaurelError, type FieldIssue } from '../errors';
import { MAX_RULE_DEPTH, ruleDepth, ruleNodeSchema, type Rule, type RuleNode } from './schema';

/**
 * Validates a rule condition from untrusted JSON (API body, database row). Bad input is a
 * `LaurelError('ERR_VALIDATION')` with one issue per problem, fields prefixed with `rule`.
 */
export function parseRuleNode(input: unknown): RuleNode {
  const parsed = ruleNodeSchema.safeParse(input);
  if (!parsed.success) {
    throw new LaurelError('ERR_VALIDATION', 'The badge rule is not valid.', { issues: toIssues(parsed.error) });
  }
  if (ruleDepth(parsed.data) > MAX_RULE_DEPTH) {
    throw new LaurelError('ERR_VALIDATION', 'The badge rule is nested too deeply.', {
      issues: [{ field: 'rule', message: `at most ${MAX_RULE_DEPTH} levels of allOf/anyOf` }],
    });
  }
  return parsed.data;
}

/** A validated rule with its identity, ready for `evaluate`. */
export function parseRule(input: unknown, meta: { id: string; version: number }): Rule {
  if (!meta.id) throw new TypeError('parseRule: meta.id is required');
  if (!Number.isInteger(meta.version) || meta.version < 1) throw new TypeError('parseRule: meta.version must be a positive integer');
  return { id: meta.id, version: meta.version, condition: parseRuleNode(input) };
}

function toIssues(error: z.ZodError): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    // A union failure hides the useful message one level down: report the branch that matched `kind`.
    const nested = (issue as { errors?: z.core.$ZodIssue[][] }).errors;
    if (issue.code === 'invalid_union' && nested && nested.length > 0) {
      const best = nested.reduce((a, b) => (score(a) <= score(b) ? a : b));
      for (const n of best) issues.push({ field: fieldOf([...issue.path, ...n.path]), message: n.message });
      continue;
    }
    issues.push({ field: fieldOf(issue.path), message: issue.message });
  }
  return issues;
}

// The branch with the fewest issues, excluding those that failed on `kind` itself, is the one meant.
function score(branch: z.core.$ZodIssue[]): number {
  return branch.some((i) => i.path[0] === 'kind') ? 1000 + branch.length : branch.length;
}

function fieldOf(path: PropertyKey[]): string {
  return ['rule', ...path.map(String)].join('.');
}
