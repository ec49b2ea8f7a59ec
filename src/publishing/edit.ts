import type { Kysely } from 'kysely';
import type { AppContext } from '../context';
import { audit } from '../audit';
import type { AlignmentValue } from '../badges';
import { LaurelError } from '../errors';
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
    const current = await trx.selectFrom('achievements').select(['id', 'status', 'rule', 'rule_version', 'course_id']).where('id', '=', props.achievementId).forUpdate().executeTakeFirst();
    if (!current) throw new LaurelError('ERR_NOT_FOUND', 'No achievement has this id.');
    // jsonb keeps its own key order, so compare canonical forms.
    const ruleChanged = canonical(current.rule ?? null) !== canonical(rule);
    const bump = ruleChanged && current.status === 'published';
    const updated = await trx
      .updateTable('achievements')
      .set((eb) => ({
        name: changes.name,
        description: changes.description,
        criteria_narrative: changes.criteriaNarrative,
        alignments: JSON.stringify(changes.alignments),
        valid_for_days: changes.validForDays,
        rule: rule === null ? null : JSON.stringify(rule),
        required_percent: rule?.kind === 'score' ? (rule.minPercent ?? null) : null,
        ...(changes.colors ? { primary_color: changes.colors.primary } : {}),
        ...(image ? { image_bytes: image.bytes, image_mime: image.mime, image_url: null } : {}),
        ...(bump ? { rule_version: eb('rule_version', '+', 1) } : {}),
        updated_at: props.now,
      }))
      .where('id', '=', current.id)
      .returning(['id', 'rule_version', 'status', 'course_id'])
      .executeTakeFirstOrThrow();
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
