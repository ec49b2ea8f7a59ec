import express, { type Request, type Response, type Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context';
import { audit, listAudit } from '../audit';
import { getIssuer, listIssuers, listKeys, rotateKeys, upsertIssuer } from '../credentials';
import type { FoundationTables } from '../db';
import { findLearner } from '../courses';
import { LaurelError } from '../errors';
import { listEventSources } from '../events';
import { listPlatforms, requireCourseRole } from '../lti';
import { createToken, listTokens, revokeToken, SCOPES } from '../tokens';
import { handle, issueAdminSession, renderPage } from '../web';
import { actorOf, sessionOf, type CsrfTokens } from './csrf';
import { emptyPlatformForm, platformFormView, readPlatformForm, registerPlatformFromForm, type PlatformFormValues, type ToolUrls } from './admin-platforms';
import { courseNav, noticeOf } from './page-data';

/** The admin console for an LMS administrator: platforms, issuer, keys, event sources, API tokens, audit log. */
export function adminRouter(ctx: AppContext, csrf: CsrfTokens): Router {
  const router = express.Router({ mergeParams: true });
  router.use(requireCourseRole('admin'));
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const db = ctx.database.db as unknown as Kysely<FoundationTables>;
  const here = (req: Request) => `/lti/courses/${String(req.params.courseId)}/admin`;

  router.get('/', handle(async (req, res) => {
    // The queue dashboard lives outside the course URL space: it accepts this short admin session.
    await issueAdminSession(res, ctx.config, actorOf(res));
    await renderAdmin(ctx, csrf, req, res, {});
  }));

  router.post('/keys/rotate', form, csrf.verify(), handle(async (req, res) => {
    const issuerId = z.string().min(1).max(200).parse((req.body as { issuerId?: unknown }).issuerId ?? 'default');
    const result = await rotateKeys(ctx.database.db, issuerId, ctx.config, new Date());
    await audit(ctx.database.db, { actor: actorOf(res), action: 'keys.rotated', subjectType: 'issuer', subjectId: issuerId, platformId: sessionOf(res).platformId, details: result });
    res.redirect(303, `${here(req)}?done=rotated#keys`);
  }));

  router.post('/issuers/:issuerId', form, csrf.verify(), handle(async (req, res) => {
    const issuer = await getIssuer(ctx.database.db, String(req.params.issuerId));
    if (!issuer) throw new LaurelError('ERR_NOT_FOUND', 'No issuer has this id.');
    const body = req.body as Record<string, unknown>;
    const posted = { name: String(body.name ?? ''), url: String(body.url ?? ''), email: String(body.email ?? '') };
    const parsed = issuerForm.safeParse(posted);
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      return renderAdmin(ctx, csrf, req, res.status(422), { issuerForm: { id: issuer.id, errors, values: posted } });
    }
    const { name, url, email } = parsed.data;
    await upsertIssuer(ctx.database.db, ctx.config, { id: issuer.id, name, ...(url ? { url } : {}), ...(email ? { email } : {}), ...(issuer.description ? { description: issuer.description } : {}), ...(issuer.image_url ? { imageUrl: issuer.image_url } : {}), ...(issuer.platform_id ? { platformId: issuer.platform_id } : {}) });
    await audit(db, { actor: actorOf(res), action: 'issuer.updated', subjectType: 'issuer', subjectId: issuer.id, platformId: sessionOf(res).platformId, details: { name, url, email } });
    res.redirect(303, `${here(req)}?done=issuer-saved#keys`);
  }));

  router.post('/platforms', form, csrf.verify(), handle(async (req, res) => {
    const values = readPlatformForm(req.body as Record<string, unknown>);
    const outcome = await registerPlatformFromForm(ctx, values, actorOf(res));
    if (!outcome.ok) return renderAdmin(ctx, csrf, req, res.status(422), { platformForm: { values, errors: outcome.errors } });
    await audit(db, { actor: actorOf(res), action: 'platform.registered', subjectType: 'platform', subjectId: outcome.platform.id, platformId: sessionOf(res).platformId, details: { issuer: values.issuer, clientId: values.clientId, lms: values.lms } });
    return renderAdmin(ctx, csrf, req, res.status(201), { newPlatform: { name: outcome.platform.name, ...outcome.toolUrls } });
  }));

  router.post('/tokens', form, csrf.verify(), handle(async (req, res) => {
    const body = req.body as { name?: unknown; scopes?: unknown };
    const parsed = z.object({
      name: z.string().trim().min(1, 'Enter a name that says who uses the token.').max(100),
      scopes: z.array(z.enum(SCOPES)).min(1, 'Choose at least one scope.'),
    }).safeParse({ name: body.name, scopes: body.scopes === undefined ? [] : [body.scopes].flat() });
    if (!parsed.success) {
      const errors = Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message]));
      return renderAdmin(ctx, csrf, req, res.status(422), { errors, values: { name: String(body.name ?? '') } });
    }
    const { token, record } = await createToken(db, parsed.data);
    await audit(db, { actor: actorOf(res), action: 'token.created', subjectType: 'api_token', subjectId: record.id, platformId: sessionOf(res).platformId, details: { name: record.name, scopes: record.scopes } });
    // The secret is shown once, on this response, and never stored in clear.
    res.set('Cache-Control', 'no-store');
    return renderAdmin(ctx, csrf, req, res, { newToken: { value: token, name: record.name } });
  }));

  router.post('/tokens/:tokenId/revoke', form, csrf.verify(), handle(async (req, res) => {
    const tokenId = z.uuid().parse(req.params.tokenId);
    await revokeToken(db, tokenId);
    await audit(db, { actor: actorOf(res), action: 'token.revoked', subjectType: 'api_token', subjectId: tokenId, platformId: sessionOf(res).platformId });
    res.redirect(303, `${here(req)}?done=token-revoked#tokens`);
  }));
  return router;
}

const issuerForm = z.object({
  name: z.string().trim().min(1, 'Enter the institution name shown on every badge.').max(300),
  url: z.union([z.literal(''), z.url({ protocol: /^https?$/, message: 'Enter a web address starting with https://.' }).max(2000)]),
  email: z.union([z.literal(''), z.email('Enter an email address like badges@example.edu.').max(320)]),
});

interface AdminExtras {
  issuerForm?: { id: string; errors: Record<string, string>; values: { name: string; url: string; email: string } };
  errors?: Record<string, string>;
  values?: { name: string };
  newToken?: { value: string; name: string };
  platformForm?: { values: PlatformFormValues; errors: Partial<Record<string, string>> };
  newPlatform?: { name: string } & ToolUrls;
}

async function renderAdmin(ctx: AppContext, csrf: CsrfTokens, req: Request, res: Response, extras: AdminExtras): Promise<void> {
  const session = sessionOf(res);
  const db = ctx.database.db;
  const [platforms, issuers, keys, sources, tokens, entries] = await Promise.all([
    listPlatforms(db), listIssuers(db), listKeys(db), listEventSources(db), listTokens(db as unknown as Kysely<FoundationTables>), listAudit(db, { limit: 100 }),
  ]);
  const courseId = String(req.params.courseId);
  const who = await actorNames(db, entries.map((e) => e.actor));
  renderPage(res, 'ui-admin', {
    title: 'Laurel administration',
    embedded: true,
    tabs: courseNav(courseId, session.roles, 'admin'),
    notice: noticeOf(req),
    csrf: csrf.tokenFor(session),
    here: `/lti/courses/${courseId}/admin`,
    // An LMS administrator sees the platforms of their own LMS only.
    platforms: platforms.filter((p) => p.id === session.platformId).map((p) => ({ ...p, active: p.status === 'active' })),
    issuers: issuers.map((i) => ({
      ...i,
      form: issuerFormView(i, extras.issuerForm?.id === i.id ? extras.issuerForm : undefined),
      keys: keys.filter((k) => k.issuerId === i.id).map((k) => ({ ...k, active: k.status === 'active' })), profileUrl: `/issuers/${i.id}` })),
    sources: sources.filter((s) => s.platform_id === null || s.platform_id === session.platformId).map((s) => ({
      ...s, moodle: s.kind === 'moodle', hasSecret: Boolean(s.secret),
      status: s.last_error && (!s.last_event_at || (s.last_error_at && s.last_error_at > s.last_event_at)) ? 'error' : s.last_event_at ? 'receiving' : 'waiting',
    })),
    tokens: tokens.map((t) => ({ ...t, revoked: t.revokedAt !== null, scopes: t.scopes.join(', ') })),
    scopes: SCOPES.map((s) => ({ value: s })),
    audit: entries.map((e) => ({ ...e, actor: who.get(e.actor) ?? e.actor, at: e.at.toISOString(), when: `${e.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`, details: JSON.stringify(e.details) })),
    errors: extras.errors ?? {},
    values: extras.values ?? { name: '' },
    newToken: extras.newToken,
    platformForm: platformFormView(extras.platformForm?.values ?? emptyPlatformForm(), extras.platformForm?.errors),
    newPlatform: extras.newPlatform,
    queuesUrl: '/admin/queues',
  });
}

/** `lti:<learner id>` actors shown as the person's name (and email), so the log says who, not which id. */
async function actorNames(db: AppContext['database']['db'], actors: readonly string[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const actor of new Set(actors)) {
    const id = /^lti:([0-9a-f-]{36})$/.exec(actor)?.[1];
    const person = id ? await findLearner(db, id) : undefined;
    if (person) names.set(actor, person.name ? `${person.name}${person.email ? ` (${person.email})` : ''}` : (person.email ?? actor));
  }
  return names;
}

function issuerFormView(issuer: { id: string; name: string; url: string | null; email: string | null }, posted?: { errors: Record<string, string>; values: { name: string; url: string; email: string } }) {
  const values = posted?.values ?? { name: issuer.name, url: issuer.url ?? '', email: issuer.email ?? '' };
  const field = (fieldName: 'name' | 'url' | 'email', label: string, type: string, required: boolean) => ({
    id: `issuer-${issuer.id}-${fieldName}`, fieldName, label, type, required, optional: !required,
    f: { value: values[fieldName], error: posted?.errors[fieldName] },
  });
  return {
    open: Boolean(posted),
    fields: [field('name', 'Institution name', 'text', true), field('url', 'Web site', 'url', false), field('email', 'Contact email', 'email', false)],
  };
}
