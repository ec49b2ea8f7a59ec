import express, { type Request, type Response, type Router } from 'express';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { AppContext } from '../context';
import { audit, listAudit } from '../audit';
import { listIssuers, listKeys, rotateKeys } from '../credentials';
import type { FoundationTables } from '../db';
import { findLearner } from '../courses';
import { listEventSources } from '../events';
import { listPlatforms, requireCourseRole } from '../lti';
import { createToken, listTokens, revokeToken, SCOPES } from '../tokens';
import { handle, issueAdminSession, renderPage } from '../web';
import { actorOf, sessionOf, type CsrfTokens } from './csrf';
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

interface AdminExtras {
  errors?: Record<string, string>;
  values?: { name: string };
  newToken?: { value: string; name: string };
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
    issuers: issuers.map((i) => ({ ...i, keys: keys.filter((k) => k.issuerId === i.id).map((k) => ({ ...k, active: k.status === 'active' })), profileUrl: `/issuers/${i.id}` })),
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
