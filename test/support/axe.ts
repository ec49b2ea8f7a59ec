// One accessibility check for every browser test: axe-core with every rule. A violation of a WCAG 2.0/2.1
// level A or AA rule (the brief's bar) fails whatever its impact; a best-practice rule outside WCAG fails
// when axe rates it serious or critical.
import type { Page } from 'playwright-core';

/** The axe-core tags of the success criteria WCAG 2.1 AA is made of. */
export const WCAG_21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

interface AxeViolation {
  id: string;
  impact?: string | null;
  help: string;
  tags: string[];
  nodes: Array<{ target: unknown[] }>;
}

/**
 * Runs axe-core in the page and returns the violations that fail a test as readable lines (empty when the
 * page passes). The script is injected inline, so the browser context must bypass the page's CSP
 * (`newContext({ bypassCSP: true })`); the page's own scripts are unaffected by that.
 */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core') });
  // A string, not a function: the test code is compiled without DOM types.
  const violations = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)")) as AxeViolation[];
  const wcag = new Set<string>(WCAG_21_AA);
  return violations
    .filter((v) => v.tags.some((tag) => wcag.has(tag)) || v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact ?? 'unknown'}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}
