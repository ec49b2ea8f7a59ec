import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { instructorAnalytics } from '../analytics';
import type { AppContext } from '../context';
import { badgesDepsFor, getAchievement, getAward, listAwards, revokeAward, type AchievementRow } from '../badges';
import { courseRoster, listAssignments } from '../courses';
import { LaurelError } from '../errors';
import { awardToRosterLearner, dryRunAchievement, publishAchievement, rerunBackfill } from '../publishing';
import type { RuleNode } from '../rules';
import { handle, renderPage } from '../http';
import { actorOf, sessionOf, type CsrfTokens } from '../http';
import { base, courseNav, courseOf, noticeOf } from './page-data';
import { capitalise, describeRule } from './rule-text';
import { awardsCsv } from './csv';
import { badgeTierRoutes, tierSectionView } from './badge-tiers';

/** A badge's page for instructors: dry run and publish, who earned it, search, CSV, revoke, manual award, backfill. */
export function badgeDetailRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  const form = express.urlencoded({ extended: false, limit: '16kb' });

  router.get('/badges/:badgeId', handle(async (req, res) => renderBadge(ctx, csrf, req, res, {})));

  router.get('/badges/:badgeId/awards.csv', handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const awards = await listAwards(badgesDepsFor(ctx), { achievementId: achievement.id });
    res.type('text/csv').attachment(`${achievement.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60) || 'badge'}-awards.csv`).send(awardsCsv(awards, ctx.config.BASE_URL));
  }));

  router.post('/badges/:badgeId/publish', form, csrf.verify(), handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    await publishAchievement(ctx, { achievementId: achievement.id, actor: actorOf(res), now: new Date() });
    res.redirect(303, `${base(achievement.course_id)}/badges/${achievement.id}?done=published`);
  }));

  badgeTierRoutes(router, ctx, csrf);

  router.post('/badges/:badgeId/backfill', form, csrf.verify(), handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    await rerunBackfill(ctx, { achievementId: achievement.id, actor: actorOf(res), now: new Date() });
    res.redirect(303, `${base(achievement.course_id)}/badges/${achievement.id}?done=backfill`);
  }));

  router.post('/badges/:badgeId/award', form, csrf.verify(), handle(async (req, res) => {
    const achievement = await achievementOf(ctx, req);
    const learnerId = z.uuid().safeParse((req.body as { learnerId?: unknown }).learnerId);
    if (!learnerId.success) return renderBadge(ctx, csrf, req, res.status(422), { learnerId: 'Choose a learner.' });
    const { created } = await awardToRosterLearner(ctx, { achievementId: achievement.id, learnerId: learnerId.data, actor: actorOf(res) });
    res.redirect(303, `${base(achievement.course_id)}/badges/${achievement.id}?done=${created ? 'awarded' : 'already-awarded'}`);
  }));

  router.post('/awards/:awardId/revoke', form, csrf.verify(), handle(async (req, res) => {
    const award = await getAward({ db: ctx.database.db }, String(req.params.awardId));
    // The award must belong to this very course: the session only authorises this course.
    if (award.course_id !== sessionOf(res).courseId) throw new LaurelError('ERR_NOT_FOUND', 'No award of this course has this id.');
    const reason = z.string().trim().min(1).max(1000).safeParse((req.body as { reason?: unknown }).reason);
    if (!reason.success) {
      req.params.badgeId = award.achievement_id;
      return renderBadge(ctx, csrf, req, res.status(422), { [`reason-${award.id}`]: 'Give a reason (the learner sees it).' });
    }
    await revokeAward(badgesDepsFor(ctx), { awardId: award.id, reason: reason.data, actor: actorOf(res) });
    res.redirect(303, `${base(award.course_id)}/badges/${award.achievement_id}?done=revoked`);
  }));
}

async function achievementOf(ctx: AppContext, req: Request): Promise<AchievementRow> {
  const achievement = await getAchievement({ db: ctx.database.db }, String(req.params.badgeId));
  if (achievement.course_id !== String(req.params.courseId)) throw new LaurelError('ERR_NOT_FOUND', 'No badge of this course has this id.');
  return achievement;
}

async function renderBadge(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, errors: Record<string, string>): Promise<void> {
  const course = await courseOf(ctx, req);
  const achievement = await achievementOf(ctx, req);
  const now = new Date();
  const [dryRun, awards, assignments, roster, tiers] = await Promise.all([
    dryRunAchievement(ctx, { achievementId: achievement.id, now }),
    listAwards(badgesDepsFor(ctx), { achievementId: achievement.id }),
    listAssignments(ctx.database.db, course.id),
    courseRoster(ctx.database.db, { courseId: course.id, activeOnly: true, limit: 2000 }),
    tierSectionView(ctx, { achievement, now }),
  ]);
  const names = Object.fromEntries(assignments.flatMap((a) => [[a.id, a.name], [a.source_key, a.name]]));
  const q = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
  const needle = q.toLowerCase();
  const shown = awards.filter((a) => !needle || `${a.learner.name ?? ''} ${a.learner.email ?? ''}`.toLowerCase().includes(needle));
  const holders = new Set(awards.filter((a) => a.status !== 'revoked').map((a) => a.learner.id));
  const session = sessionOf(res);
  const here = `${base(course.id)}/badges/${achievement.id}`;
  renderPage(res, 'ui-badge', {
    title: `${achievement.name}: ${course.title}`,
    embedded: true,
    course,
    tabs: courseNav(course.id, session.roles, 'instructor'),
    notice: noticeOf(req),
    csrf: csrf.tokenFor(session),
    back: base(course.id),
    here,
    badge: {
      ...achievement,
      imageUrl: achievement.image_url ?? `/achievements/${achievement.id}/image`,
      draft: achievement.status === 'draft',
      published: achievement.status === 'published',
      rule: achievement.rule ? capitalise(describeRule(achievement.rule as RuleNode, names)) : null,
      publicUrl: `/achievements/${achievement.id}`,
    },
    dryRun: {
      wouldEarn: dryRun.wouldEarn,
      total: dryRun.learners.length,
      earners: dryRun.learners.filter((l) => l.evaluation.award).map((l) => ({ name: l.name ?? l.email ?? l.learnerId, reason: l.evaluation.reason })),
    },
    tiers,
    q,
    awards: shown.map((a) => ({
      ...a,
      who: a.learner.name ?? a.learner.email ?? a.learner.id,
      revoked: a.status === 'revoked',
      credentialUrl: a.credentialId ? `/credentials/${a.credentialId}` : null,
      reasonError: errors[`reason-${a.id}`],
    })),
    awardCount: awards.length,
    roster: roster.filter((r) => !holders.has(r.id)).map((r) => ({ id: r.id, label: r.name ? `${r.name}${r.email ? ` (${r.email})` : ''}` : (r.email ?? r.id) })),
    learnerError: errors.learnerId,
    analytics: await instructorAnalytics(ctx, { courseId: course.id, achievementId: achievement.id, now }),
  });
}
