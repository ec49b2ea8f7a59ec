import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { badgesDepsFor, createAchievement, deleteDraftAchievements, getAchievement, listAchievements, markAchievementArchived, type AchievementRow } from '../badges';
import { LaurelError, type FieldIssue } from '../errors';
import { loadCourseFacts } from '../events';
import { checkTiers, evaluate, parseRule, parseRuleNode, sameShape, uniformThreshold, type RuleNode, type Threshold } from '../rules';
import { updateAchievement, type BadgeChanges } from './edit';
import { publishAchievement } from './publish';
import type { PublishingDb } from './tables';
import { asTables } from '../db';

/**
 * Tiered badges: a named ladder of achievements (Bronze 60%, Silver 75%, Gold 90%) whose rules differ
 * only in their thresholds. Each tier is a full achievement, so awarding, credentials, revocation and
 * the event pipeline need nothing new: a learner at 80% simply meets the Bronze and Silver rules.
 */

const on = <T>(db: Kysely<T>) => asTables<PublishingDb>(db);

export interface TierMember {
  achievement: AchievementRow;
  /** 0 = lowest tier. */
  rank: number;
  tierName: string;
  /** The threshold its rule sets on every score condition (absent if edited into another shape through the API). */
  threshold?: Threshold;
}

export interface TierGroup {
  id: string;
  courseId: string;
  /** The badge name without the tier ("Quiz mastery"). */
  name: string;
  /** Lowest tier first. */
  tiers: TierMember[];
}

/**
 * What every tier of a group shares: a badge's changes other than its name and rule (an absent image keeps
 * the current one; new tiers then get the generated design).
 */
export type TierBadgeBase = Omit<BadgeChanges, 'name' | 'rule'>;

export interface TierInput {
  /** The tier's achievement when it exists (edit); must belong to the group being saved. */
  achievementId?: string;
  name: string;
  rule: RuleNode;
}

export const tierAchievementName = (groupName: string, tierName: string) => `${groupName}: ${tierName}`;

/** Achievement names are at most 200 characters: refuse a badge name that would not fit with its tiers. */
function checkGroupName(name: string, tiers: readonly TierInput[]): void {
  const longest = Math.max(...tiers.map((t) => tierAchievementName(name.trim(), t.name.trim()).length));
  if (!name.trim() || longest > 200) throw new LaurelError('ERR_VALIDATION', 'The badge name is too long for its tier names.', { issues: [{ field: 'name', message: 'name plus ": <tier>" must fit in 200 characters' }] });
}

/** The tier groups of a course, with their achievements, lowest tier first. */
export async function listTierGroups<T>(dbAny: Kysely<T>, props: { courseId: string; achievements?: readonly AchievementRow[] }): Promise<TierGroup[]> {
  const db = on(dbAny);
  const rows = await db.selectFrom('badge_tiers as t').innerJoin('badge_tier_groups as g', 'g.id', 't.group_id')
    .select(['g.id as groupId', 'g.name as groupName', 't.achievement_id as achievementId', 't.rank', 't.tier_name as tierName'])
    .where('g.course_id', '=', props.courseId).orderBy('g.created_at').orderBy('t.rank').execute();
  if (rows.length === 0) return [];
  const achievements = props.achievements ?? (await listAchievements({ db: dbAny }, { courseId: props.courseId }));
  const groups = new Map<string, TierGroup>();
  for (const r of rows) {
    const achievement = achievements.find((a) => a.id === r.achievementId);
    if (!achievement) continue;
    const group = groups.get(r.groupId) ?? { id: r.groupId, courseId: props.courseId, name: r.groupName, tiers: [] };
    const threshold = achievement.rule ? uniformThreshold(achievement.rule as RuleNode) : undefined;
    group.tiers.push({ achievement, rank: r.rank, tierName: r.tierName, ...(threshold ? { threshold } : {}) });
    groups.set(r.groupId, group);
  }
  return [...groups.values()];
}

/** The group an achievement is a tier of, if any. */
export async function tierGroupOf<T>(dbAny: Kysely<T>, achievement: Pick<AchievementRow, 'id' | 'course_id'>): Promise<TierGroup | undefined> {
  return (await listTierGroups(dbAny, { courseId: achievement.course_id })).find((g) => g.tiers.some((t) => t.achievement.id === achievement.id));
}

/**
 * Checks tiers from any caller (the form checks too, but the use-case is the boundary): 2-5 tiers,
 * unique names, rules valid, of one shape, with one threshold each, rising strictly.
 */
export function validateTiers(tiers: readonly TierInput[]): TierInput[] {
  const issues: FieldIssue[] = [];
  const rules = tiers.map((t, i) => {
    try {
      return parseRuleNode(t.rule);
    } catch {
      issues.push({ field: `tiers.${i}.rule`, message: 'not a valid rule' });
      return undefined;
    }
  });
  const thresholds = rules.map((r) => (r ? uniformThreshold(r) : undefined));
  thresholds.forEach((t, i) => { if (rules[i] && !t) issues.push({ field: `tiers.${i}.rule`, message: 'a tier rule needs score conditions sharing one threshold' }); });
  rules.forEach((r, i) => { if (r && rules[0] && i > 0 && !sameShape(rules[0], r)) issues.push({ field: `tiers.${i}.rule`, message: 'every tier must have the same conditions as the first' }); });
  if (issues.length === 0) {
    for (const p of checkTiers(tiers.map((t, i) => ({ name: t.name, threshold: thresholds[i]! })))) {
      issues.push({ field: p.index === undefined ? 'tiers' : `tiers.${p.index}.${p.field}`, message: p.message });
    }
  }
  if (issues.length > 0) throw new LaurelError('ERR_VALIDATION', 'The tiers are not valid.', { issues });
  return tiers.map((t, i) => ({ ...t, name: t.name.trim(), rule: rules[i]! }));
}

/** Creates a tiered badge: one draft achievement per tier, linked as a group. */
export async function createTieredBadge(ctx: AppContext, props: { courseId: string; name: string; base: TierBadgeBase; tiers: readonly TierInput[]; actor: string }): Promise<TierGroup> {
  const tiers = validateTiers(props.tiers);
  checkGroupName(props.name, tiers);
  const created: AchievementRow[] = [];
  try {
    for (const tier of tiers) {
      created.push(await createAchievement(badgesDepsFor(ctx), {
        courseId: props.courseId, name: tierAchievementName(props.name, tier.name), description: props.base.description, criteriaNarrative: props.base.criteriaNarrative,
        ...(props.base.image ? { image: props.base.image } : {}), ...(props.base.colors ? { colors: props.base.colors } : {}), alignments: props.base.alignments,
        ...(props.base.validForDays === null ? {} : { validForDays: props.base.validForDays }), rule: tier.rule, status: 'draft', actor: props.actor,
      }));
    }
    await linkGroup(ctx, { courseId: props.courseId, name: props.name, members: created.map((a, i) => ({ achievementId: a.id, tierName: tiers[i]!.name })), actor: props.actor });
  } catch (error) {
    // Drafts nobody has seen yet: do not leave half a ladder behind.
    await deleteDraftAchievements(ctx.database.db, created.map((a) => a.id));
    throw error;
  }
  return (await tierGroupOf(ctx.database.db, created[0]!))!;
}

/**
 * Saves a tiered badge from its edit form. `achievementId` is any tier of the group, or a plain badge
 * that becomes the first tier. Existing tiers are updated (a changed rule on a published tier is
 * versioned and backfilled); new tiers are created, and published at once if the group is; removed
 * tiers are deleted while drafts, archived once published (their awards stay valid).
 */
export async function saveTieredBadge(ctx: AppContext, props: { achievementId: string; name: string; base: TierBadgeBase; tiers: readonly TierInput[]; actor: string; now: Date }): Promise<TierGroup> {
  const db = ctx.database.db;
  const start = await getAchievement({ db }, props.achievementId);
  const group = await tierGroupOf(db, start);
  const members = group ? group.tiers.map((t) => t.achievement) : [start];
  const given = props.tiers.some((t) => t.achievementId) ? props.tiers : props.tiers.map((t, i) => (i === 0 && !group ? { ...t, achievementId: start.id } : t));
  for (const [i, t] of given.entries()) {
    if (t.achievementId && !members.some((m) => m.id === t.achievementId)) {
      throw new LaurelError('ERR_VALIDATION', 'A tier does not belong to this badge.', { issues: [{ field: `tiers.${i}.achievementId`, message: 'not a tier of this badge' }] });
    }
  }
  const tiers = validateTiers(given);
  checkGroupName(props.name, tiers);
  const published = members.some((m) => m.status === 'published');
  const linked: Array<{ achievementId: string; tierName: string }> = [];
  for (const tier of tiers) {
    const changes = { ...props.base, name: tierAchievementName(props.name, tier.name), rule: tier.rule };
    if (tier.achievementId) {
      await updateAchievement(ctx, { achievementId: tier.achievementId, changes, actor: props.actor, now: props.now });
      linked.push({ achievementId: tier.achievementId, tierName: tier.name });
      continue;
    }
    const row = await createAchievement(badgesDepsFor(ctx), {
      courseId: start.course_id, name: changes.name, description: changes.description, criteriaNarrative: changes.criteriaNarrative,
      ...(changes.image ? { image: changes.image } : {}), ...(changes.colors ? { colors: changes.colors } : {}), alignments: changes.alignments,
      ...(changes.validForDays === null ? {} : { validForDays: changes.validForDays }), rule: tier.rule, status: 'draft', actor: props.actor,
    });
    if (published) await publishAchievement(ctx, { achievementId: row.id, actor: props.actor, now: props.now });
    linked.push({ achievementId: row.id, tierName: tier.name });
  }
  const removed = members.filter((m) => !linked.some((l) => l.achievementId === m.id));
  await linkGroup(ctx, { courseId: start.course_id, name: props.name, members: linked, actor: props.actor, ...(group ? { groupId: group.id } : {}), removed });
  return (await tierGroupOf(db, { id: linked[0]!.achievementId, course_id: start.course_id }))!;
}

/** Writes the group and its ranks in one transaction; removed drafts are deleted, removed published tiers archived. */
async function linkGroup(ctx: AppContext, props: { courseId: string; name: string; members: Array<{ achievementId: string; tierName: string }>; actor: string; groupId?: string; removed?: readonly AchievementRow[] }): Promise<string> {
  return on(ctx.database.db).transaction().execute(async (trx) => {
    const groupId = props.groupId
      ? (await trx.updateTable('badge_tier_groups').set({ name: props.name, updated_at: new Date() }).where('id', '=', props.groupId).returning('id').executeTakeFirstOrThrow()).id
      : (await trx.insertInto('badge_tier_groups').values({ course_id: props.courseId, name: props.name }).returning('id').executeTakeFirstOrThrow()).id;
    // Ranks and names are unique per group: rewrite the whole ladder rather than shuffle rows in place.
    await trx.deleteFrom('badge_tiers').where('group_id', '=', groupId).execute();
    await trx.insertInto('badge_tiers').values(props.members.map((m, rank) => ({ achievement_id: m.achievementId, group_id: groupId, rank, tier_name: m.tierName }))).execute();
    for (const gone of props.removed ?? []) {
      if (gone.status === 'draft') await deleteDraftAchievements(trx, [gone.id]);
      else await markAchievementArchived(trx, { achievementId: gone.id, now: new Date() });
    }
    await audit<PublishingDb>(trx, {
      actor: props.actor, action: props.groupId ? 'tiers.changed' : 'tiers.created', subjectType: 'achievement', subjectId: props.members[0]!.achievementId, courseId: props.courseId,
      details: { group: groupId, name: props.name, tiers: props.members.map((m) => m.tierName), removed: (props.removed ?? []).map((r) => r.id) },
    });
    return groupId;
  });
}

export interface TierDryRun {
  achievementId: string;
  tierName: string;
  draft: boolean;
  wouldEarn: number;
}

/** The dry run of every tier of a group (who would earn each now); the course's facts are loaded once for all tiers. */
export async function dryRunTierGroup(ctx: AppContext, props: { group: TierGroup; now: Date }): Promise<TierDryRun[]> {
  const learners = await loadCourseFacts(ctx.database.db, { courseId: props.group.courseId });
  return props.group.tiers.map((t) => {
    const rule = t.achievement.rule === null ? undefined : parseRule(t.achievement.rule, { id: t.achievement.id, version: t.achievement.rule_version });
    const wouldEarn = rule ? learners.filter((l) => evaluate(rule, { now: props.now, scores: l.scores, badges: l.badges }).award).length : 0;
    return { achievementId: t.achievement.id, tierName: t.tierName, draft: t.achievement.status === 'draft', wouldEarn };
  });
}

/** Publishes every draft tier of the group (each one versioned, audited and backfilled). */
export async function publishTierGroup(ctx: AppContext, props: { group: TierGroup; actor: string; now: Date }): Promise<Array<{ achievementId: string; version: number }>> {
  const drafts = props.group.tiers.filter((t) => t.achievement.status === 'draft');
  if (drafts.length === 0) throw new LaurelError('ERR_CONFLICT', 'Every tier of this badge is already published.');
  const out = [];
  for (const t of drafts) out.push({ achievementId: t.achievement.id, version: (await publishAchievement(ctx, { achievementId: t.achievement.id, actor: props.actor, now: props.now })).version });
  return out;
}
