import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { audit } from '../audit';
import { lockAchievement, updateAchievementContent, type AlignmentValue } from '../badges';
import { badgeImageFromDataUri } from '../images';
import { backfillAchievementJob } from '../events';
import { parseRuleNode, type RuleNode } from '../rules';
import type { PublishingDb } from './tables';
import { asTables } from '../db';

const on = <T>(db: Kysely<T>) => asTables<PublishingDb>(db);

export interface BadgeChanges {
  name: string;
  description: string;
  criteriaNarrative: string;
  /** A new image as a base64 PNG/SVG data URI; absent keeps the current one. */
  image?: string;
  colors?: { primary: string };
  alignments: AlignmentValue[];
  validForDays: number | null;
  /** The new rule; null = awarded by hand only. */
  rule: RuleNode | null;
}

/**
 * Edits a badge. A changed rule on a published badge gets a new version and a backfill, so anyone who
 * now qualifies is awarded; nobody loses a badge they hold (revoking stays an explicit act).
 * Credentials already issued keep the achievement as it was when they were signed.
 */
export async function updateAchievement(ctx: AppContext, props: { achievementId: string; changes: BadgeChanges; actor: string; now: Date }): Promise<{ ruleChanged: boolean; version: number }> {
  const { changes } = props;
  const rule = changes.rule === null ? null : parseRuleNode(changes.rule);
  // Checked again here, whoever the caller is: these bytes are served from Laurel's origin.
  const image = changes.image === undefined ? undefined : badgeImageFromDataUri(changes.image);
  const result = await on(ctx.database.db).transaction().execute(async (trx) => {
    const current = await lockAchievement(trx, props.achievementId);
    // jsonb keeps its own key order, so compare canonical forms.
    const ruleChanged = canonical(current.rule ?? null) !== canonical(rule);
    const updated = await updateAchievementContent(trx, {
      achievementId: current.id,
      now: props.now,
      content: {
        name: changes.name,
        description: changes.description,
        criteriaNarrative: changes.criteriaNarrative,
        alignments: changes.alignments,
        validForDays: changes.validForDays,
        rule,
        ...(changes.colors ? { primaryColor: changes.colors.primary } : {}),
        ...(image ? { image: { bytes: image.bytes, mime: image.mime } } : {}),
        bumpRuleVersion: ruleChanged && current.status === 'published',
      },
    });
    await audit<PublishingDb>(trx, { actor: props.actor, action: ruleChanged ? 'rule.changed' : 'achievement.update', subjectType: 'achievement', subjectId: updated.id, courseId: updated.course_id, details: { name: changes.name, version: updated.rule_version, ...(ruleChanged ? { rule } : {}) } });
    return { ruleChanged, version: updated.rule_version, published: updated.status === 'published' };
  });
  if (result.ruleChanged && result.published && rule !== null) {
    await ctx.queues.enqueue(backfillAchievementJob, { achievementId: props.achievementId }, { jobId: `backfill-${props.achievementId}-v${result.version}` });
  }
  return { ruleChanged: result.ruleChanged, version: result.version };
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(value ?? null);
}
