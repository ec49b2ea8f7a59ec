import express, { type Router } from 'express';
import type { AppContext } from '../context';
import { getAchievement, type AchievementRow } from '../badges';
import { LaurelError } from '../errors';
import { dryRunTierGroup, publishTierGroup, tierGroupOf } from '../publishing';
import { handle } from '../http';
import { actorOf, type CsrfTokens } from '../http';
import { base } from './page-data';
import { describeThreshold } from './rule-text';

/** The tiers of a tiered badge on its page: each tier's threshold, status and dry run; publish them all at once. */
export function badgeTierRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  const form = express.urlencoded({ extended: false, limit: '16kb' });
  router.post('/badges/:badgeId/publish-tiers', form, csrf.verify(), handle(async (req, res) => {
    const achievement = await getAchievement({ db: ctx.database.db }, String(req.params.badgeId));
    if (achievement.course_id !== String(req.params.courseId)) throw new LaurelError('ERR_NOT_FOUND', 'No badge of this course has this id.');
    const group = await tierGroupOf(ctx.database.db, achievement);
    if (!group) throw new LaurelError('ERR_NOT_FOUND', 'This badge has no tiers.');
    await publishTierGroup(ctx, { group, actor: actorOf(res), now: new Date() });
    res.redirect(303, `${base(achievement.course_id)}/badges/${achievement.id}?done=published`);
  }));
}

/** View model of the tiers section of a badge page, or undefined for a badge without tiers. */
export async function tierSectionView(ctx: AppContext, props: { achievement: AchievementRow; now: Date }) {
  const group = await tierGroupOf(ctx.database.db, props.achievement);
  if (!group) return undefined;
  const dry = await dryRunTierGroup(ctx, { group, now: props.now });
  const tiers = group.tiers.map((t, i) => ({
    name: t.tierName,
    threshold: describeThreshold(t.threshold),
    href: `${base(group.courseId)}/badges/${t.achievement.id}`,
    current: t.achievement.id === props.achievement.id,
    draft: t.achievement.status === 'draft',
    wouldEarn: dry[i]!.wouldEarn,
  }));
  const drafts = tiers.filter((t) => t.draft);
  return {
    name: group.name,
    tiers,
    draftCount: drafts.length,
    // "Bronze: 3, Silver: 2, Gold: 1" for the confirmation and the button.
    publishSummary: drafts.map((t) => `${t.name}: ${t.wouldEarn}`).join(', '),
    publishAction: `${base(group.courseId)}/badges/${props.achievement.id}/publish-tiers`,
  };
}
