import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { achievementJson, achievementJsonSchema, alignmentSchema, createAchievementBody, ruleSchema, type AchievementRow } from '../../badges';
import type { RuleNode } from '../../rules';
import { apiRoute, idParam } from '../../http';
import { archiveBadge, backfillStatus, badgeTiers, createBadge, dryRunBadge, dryRunBadgeTiers, editBadge, publishBadge, publishBadgeTiers, saveBadgeTiers, startBackfill } from '../scoped';
import type { TierGroup } from '../tiers';

/**
 * `/api/v1` achievement writes (admin scope): create, edit, publish, archive, dry run, backfill with
 * progress, tiers. Each handler calls one publishing use-case, the same the instructor pages call.
 */

const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c');
const dataUriImage = z.string().max(700_000).regex(/^data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/]+=*$/, 'must be a base64 PNG/SVG data URI');

export const editAchievementBody = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().trim().min(1).max(4000).optional(),
  criteria: z.strictObject({ narrative: z.string().trim().min(1).max(8000) }).optional(),
  image: dataUriImage.optional(),
  colors: z.strictObject({ primary: hexColor }).optional(),
  alignment: z.array(alignmentSchema).max(20).optional(),
  validForDays: z.int().min(1).max(36500).nullable().optional(),
  rule: ruleSchema.nullable().optional().describe('null: awarded by hand only. A changed rule on a published badge gets a new version and a backfill.'),
}).refine((body) => Object.keys(body).length > 0, { message: 'change at least one field' });

export const saveTiersBody = z.strictObject({
  name: z.string().trim().min(1).max(190).describe('The badge name without the tier; each tier is named "<name>: <tier>".'),
  description: z.string().trim().min(1).max(4000).optional(),
  criteria: z.strictObject({ narrative: z.string().trim().min(1).max(8000) }).optional(),
  alignment: z.array(alignmentSchema).max(20).optional(),
  validForDays: z.int().min(1).max(36500).nullable().optional(),
  tiers: z.array(z.strictObject({
    achievementId: z.uuid().optional().describe('An existing tier of this badge (omit for a new tier).'),
    name: z.string().trim().min(1).max(60),
    rule: ruleSchema,
  })).min(2).max(5).describe('Lowest tier first; rules of one shape with rising thresholds.'),
});

const backfillStarted = z.object({ jobId: z.string(), achievementId: z.uuid(), status: z.string().describe('Poll this URL for progress.') });
const publishedSchema = achievementJsonSchema.extend({ backfillJobId: z.string().nullable(), backfillStatus: z.string().nullable() });
const progressItem = z.object({
  kind: z.enum(['score', 'badges']), ref: z.string(), label: z.string(), status: z.string(), current: z.number().nullable(), required: z.number(), unit: z.enum(['percent', 'points', 'badges']), message: z.string(),
});
const dryRunSchema = z.object({
  wouldEarn: z.int(),
  learners: z.array(z.object({ learnerId: z.uuid(), name: z.string().nullable(), email: z.string().nullable(), award: z.boolean(), reason: z.string(), progress: z.array(progressItem) })),
});
const backfillStatusSchema = z.object({
  jobId: z.string(),
  achievementId: z.uuid(),
  state: z.string().describe('waiting, active, completed, failed, delayed…'),
  progress: z.object({ evaluated: z.int(), due: z.int(), done: z.int(), awarded: z.int() }).nullable(),
  result: z.object({ evaluated: z.int(), earned: z.int(), awarded: z.int() }).nullable(),
  error: z.string().nullable(),
});
const tierGroupSchema = z.object({
  id: z.uuid(),
  courseId: z.uuid(),
  name: z.string(),
  tiers: z.array(z.object({ rank: z.int(), tierName: z.string(), threshold: z.object({ unit: z.enum(['percent', 'points']), value: z.number() }).nullable(), achievement: achievementJsonSchema })),
});
const tierDryRunSchema = z.object({ items: z.array(z.object({ achievementId: z.uuid(), tierName: z.string(), draft: z.boolean(), wouldEarn: z.int() })) });
const backfillParams = z.object({ id: z.uuid(), jobId: z.string().min(1).max(200) });

export function createPublishingApiRouter(ctx: AppContext): Router {
  const router = Router();
  const baseUrl = ctx.config.BASE_URL;
  const statusUrl = (achievementId: string, jobId: string) => `${baseUrl}/api/v1/achievements/${achievementId}/backfills/${encodeURIComponent(jobId)}`;
  const published = (row: AchievementRow, jobId: string | null) => ({ ...achievementJson(baseUrl, row), backfillJobId: jobId, backfillStatus: jobId ? statusUrl(row.id, jobId) : null });
  const tierGroupJson = (group: TierGroup) => ({
    id: group.id, courseId: group.courseId, name: group.name,
    tiers: group.tiers.map((t) => ({ rank: t.rank, tierName: t.tierName, threshold: t.threshold ?? null, achievement: achievementJson(baseUrl, t.achievement) })),
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/achievements', tag: 'Achievements',
    scopes: ['admin'], summary: 'Create an achievement; published (the default) applies its rule to the scores Laurel holds (backfill job)',
    body: createAchievementBody, responses: { 201: publishedSchema }, problems: [404],
  }, async ({ body, scope, actor, now }) => {
    const { achievement, backfillJobId } = await createBadge(ctx, {
      ...body, criteriaNarrative: body.criteria.narrative, alignments: body.alignment, status: body.status ?? 'published', scope, actor, now,
    });
    return { status: 201, headers: { Location: `${baseUrl}/achievements/${achievement.id}` }, body: published(achievement, backfillJobId) };
  });

  apiRoute(router, ctx, {
    method: 'patch', path: '/api/v1/achievements/:id', tag: 'Achievements', scopes: ['admin'],
    summary: 'Edit an achievement (absent fields keep their value); a changed rule on a published badge is versioned and backfilled',
    params: idParam, body: editAchievementBody, responses: { 200: achievementJsonSchema.extend({ ruleChanged: z.boolean() }) }, problems: [404],
  }, async ({ params, body, scope, actor, now }) => {
    const { achievement, ruleChanged } = await editBadge(ctx, {
      achievementId: params.id, scope, actor, now,
      patch: {
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.criteria ? { criteriaNarrative: body.criteria.narrative } : {}),
        ...(body.image !== undefined ? { image: body.image } : {}),
        ...(body.colors ? { colors: body.colors } : {}),
        ...(body.alignment ? { alignments: body.alignment } : {}),
        ...(body.validForDays !== undefined ? { validForDays: body.validForDays } : {}),
        ...(body.rule !== undefined ? { rule: body.rule as RuleNode | null } : {}),
      },
    });
    return { body: { ...achievementJson(baseUrl, achievement), ruleChanged } };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/achievements/:id/publish', tag: 'Achievements', scopes: ['admin'],
    summary: 'Publish a draft or archived achievement: new rule version, audit entry, backfill of the scores Laurel holds',
    params: idParam, responses: { 200: publishedSchema }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => {
    const { achievement, backfillJobId } = await publishBadge(ctx, { achievementId: params.id, scope, actor, now });
    return { body: published(achievement, backfillJobId) };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/achievements/:id/archive', tag: 'Achievements', scopes: ['admin'],
    summary: 'Archive an achievement: its rule stops awarding; awards and credentials stay valid',
    params: idParam, responses: { 200: achievementJsonSchema }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => ({ body: achievementJson(baseUrl, await archiveBadge(ctx, { achievementId: params.id, scope, actor, now })) }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements/:id/dry-run', tag: 'Achievements', scopes: ['admin'],
    summary: 'Who would earn the achievement\'s rule now, and why (nothing is written)',
    params: idParam, responses: { 200: dryRunSchema }, problems: [404],
  }, async ({ params, scope, now }) => {
    const result = await dryRunBadge(ctx, { achievementId: params.id, scope, now });
    return { body: { wouldEarn: result.wouldEarn, learners: result.learners.map((l) => ({ learnerId: l.learnerId, name: l.name, email: l.email, award: l.evaluation.award, reason: l.evaluation.reason, progress: l.evaluation.progress })) } };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/achievements/:id/backfills', tag: 'Achievements', scopes: ['admin'],
    summary: 'Apply a published achievement\'s rule again to the scores Laurel holds (after an import, say); 202 with the job to poll',
    params: idParam, responses: { 202: backfillStarted }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => {
    const jobId = await startBackfill(ctx, { achievementId: params.id, scope, actor, now });
    return { status: 202, headers: { Location: statusUrl(params.id, jobId) }, body: { jobId, achievementId: params.id, status: statusUrl(params.id, jobId) } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements/:id/backfills/:jobId', tag: 'Achievements', scopes: ['admin'],
    summary: 'State and progress of a backfill (from publishing, a rule change or a re-run)',
    params: backfillParams, responses: { 200: backfillStatusSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: await backfillStatus(ctx, { achievementId: params.id, jobId: params.jobId, scope }) }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements/:id/tiers', tag: 'Tiers', scopes: ['admin'], summary: 'The tier ladder an achievement belongs to (404 when it has none)',
    params: idParam, responses: { 200: tierGroupSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: tierGroupJson(await badgeTiers(ctx, { achievementId: params.id, scope })) }));

  apiRoute(router, ctx, {
    method: 'put', path: '/api/v1/achievements/:id/tiers', tag: 'Tiers', scopes: ['admin'],
    summary: 'Set the tiers of an achievement: a plain badge becomes the lowest tier of a ladder; removed tiers are deleted (drafts) or archived',
    params: idParam, body: saveTiersBody, responses: { 200: tierGroupSchema }, problems: [404],
  }, async ({ params, body, scope, actor, now }) => {
    const group = await saveBadgeTiers(ctx, {
      achievementId: params.id, scope, actor, now, name: body.name,
      base: {
        ...(body.description ? { description: body.description } : {}),
        ...(body.criteria ? { criteriaNarrative: body.criteria.narrative } : {}),
        ...(body.alignment ? { alignments: body.alignment } : {}),
        ...(body.validForDays !== undefined ? { validForDays: body.validForDays } : {}),
      },
      tiers: body.tiers.map((t) => ({ ...(t.achievementId ? { achievementId: t.achievementId } : {}), name: t.name, rule: t.rule as RuleNode })),
    });
    return { body: tierGroupJson(group) };
  });

  apiRoute(router, ctx, {
    method: 'post', path: '/api/v1/achievements/:id/tiers/publish', tag: 'Tiers', scopes: ['admin'], summary: 'Publish every draft tier of the ladder (each versioned, audited, backfilled)',
    params: idParam, responses: { 200: tierGroupSchema }, problems: [404, 409],
  }, async ({ params, scope, actor, now }) => ({ body: tierGroupJson(await publishBadgeTiers(ctx, { achievementId: params.id, scope, actor, now })) }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/achievements/:id/tiers/dry-run', tag: 'Tiers', scopes: ['admin'], summary: 'Who would earn each tier now',
    params: idParam, responses: { 200: tierDryRunSchema }, problems: [404],
  }, async ({ params, scope, now }) => ({ body: { items: await dryRunBadgeTiers(ctx, { achievementId: params.id, scope, now }) } }));

  return router;
}
