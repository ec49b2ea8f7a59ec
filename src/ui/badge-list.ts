import type { BadgeCounts, TierGroup } from '../publishing';
import type { RuleNode } from '../rules';
import { capitalise, describeRule, describeThreshold, describeTiers } from './rule-text';

/**
 * The instructor's list of course badges: plain badges one card each, the tiers of a tiered badge
 * grouped in one card ("Quiz mastery: Bronze 60%, Silver 75%, Gold 90%") with counts per tier.
 */
export function badgeListView(props: { counts: readonly BadgeCounts[]; groups: readonly TierGroup[]; names: Readonly<Record<string, string>>; href: (achievementId: string) => string }) {
  const groupOf = new Map(props.groups.flatMap((g) => g.tiers.map((t) => [t.achievement.id, g] as const)));
  const countsOf = new Map(props.counts.map((c) => [c.achievement.id, c]));
  const items = [];
  for (const c of props.counts) {
    const a = c.achievement;
    const group = groupOf.get(a.id);
    const card = {
      id: a.id,
      imageUrl: a.image_url ?? `/achievements/${a.id}/image`,
      href: props.href(a.id),
    };
    if (!group) {
      items.push({
        ...card, name: a.name, draft: a.status === 'draft', archived: a.status === 'archived', status: a.status, earned: c.earned, inProgress: c.inProgress, revoked: c.revoked,
        rule: a.rule ? capitalise(describeRule(a.rule as RuleNode, props.names)) : 'Awarded by hand only (no rule).',
      });
      continue;
    }
    // One card per group, where its lowest tier would have been.
    if (group.tiers[0]!.achievement.id !== a.id) continue;
    const tiers = group.tiers.map((t) => {
      const counts = countsOf.get(t.achievement.id);
      return {
        name: t.tierName, threshold: describeThreshold(t.threshold), href: props.href(t.achievement.id), draft: t.achievement.status === 'draft',
        earned: counts?.earned ?? 0, inProgress: counts?.inProgress ?? 0, revoked: counts?.revoked ?? 0,
      };
    });
    const drafts = tiers.filter((t) => t.draft).length;
    items.push({
      ...card, name: group.name, tiered: true, tiers,
      draft: drafts === tiers.length, partlyPublished: drafts > 0 && drafts < tiers.length, status: drafts === tiers.length ? 'draft' : 'published',
      earned: tiers.reduce((n, t) => n + t.earned, 0), inProgress: 0, revoked: tiers.reduce((n, t) => n + t.revoked, 0),
      rule: describeTiers(group, a.rule as RuleNode | null, props.names),
    });
  }
  return items;
}
