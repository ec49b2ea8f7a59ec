import express, { type Request, type Response, type Router } from 'express';
import type { AppContext } from '../context';
import { handle, permit } from '../http';
import type { CsrfTokens } from '../http';
import { createSourceAsAdmin, deleteSourceAsAdmin, describeSource, requireSourceIn, rotateSecretAsAdmin, subscribeCanvasSource } from '../events';
import { canvasSourceForm, fieldErrors, moodleSourceForm, subscriptionForm } from './admin-source-forms';
import { buildMoodlePluginZip } from './admin-plugin-zip';
import { confirmed, renderAdmin, renderConfirm } from './admin-render';
import { ownPlatform, sourceScopeOf, viewerOf } from './admin-viewer';

/** The console's event-source actions (views/partials/admin-sources.hbs); the same use-cases back the admin API. */
export function adminSourceRoutes(router: Router, ctx: AppContext, csrf: CsrfTokens): void {
  const form = express.urlencoded({ extended: false, limit: '4kb' });
  const text = (body: unknown, keys: string[]) => Object.fromEntries(keys.map((k) => [k, typeof (body as Record<string, unknown>)[k] === 'string' ? ((body as Record<string, string>)[k] ?? '').trim() : '']));
  const sourceOf = (req: Request, res: Response) => requireSourceIn(ctx, { sourceId: String(req.params.sourceId), scope: sourceScopeOf(viewerOf(res)) });
  const administer = () => permit('platform:administer', ownPlatform);
  const actorOf = (res: Response) => viewerOf(res).actor;
  const adminHere = (_req: Request, res: Response) => viewerOf(res).here;

  router.post('/sources/moodle', form, csrf.verify(), administer(), handle(async (req, res) => {
    const values = text(req.body, ['name']);
    // Not trimmed: a blank secret must be refused, not read as "generate one".
    const secret = typeof (req.body as Record<string, unknown>).secret === 'string' ? String((req.body as Record<string, unknown>).secret) : '';
    const parsed = moodleSourceForm.safeParse({ ...values, secret });
    // A refused secret is not echoed back into the page.
    if (!parsed.success) return renderAdmin(ctx, csrf, req, res.status(422), { sources: { moodleForm: { values, errors: fieldErrors(parsed.error) } } });
    const created = await createSourceAsAdmin(ctx, { body: { kind: 'moodle', name: parsed.data.name, platformId: null, ...(parsed.data.secret ? { secret: parsed.data.secret } : {}) }, actor: actorOf(res), platformId: viewerOf(res).platformId });
    // Rendered, not redirected: the secret must appear on this response only.
    return renderAdmin(ctx, csrf, req, res.status(201), { sources: { newSource: created } });
  }));

  router.post('/sources/canvas', form, csrf.verify(), administer(), handle(async (req, res) => {
    const values = text(req.body, ['name', 'jwksUrl', 'allowUnsigned']);
    const parsed = canvasSourceForm.safeParse({ ...values, allowUnsigned: values.allowUnsigned || undefined });
    if (!parsed.success) return renderAdmin(ctx, csrf, req, res.status(422), { sources: { canvasForm: { values, errors: fieldErrors(parsed.error) } } });
    const created = await createSourceAsAdmin(ctx, { body: { kind: 'canvas', platformId: null, ...parsed.data }, actor: actorOf(res), platformId: viewerOf(res).platformId });
    return renderAdmin(ctx, csrf, req, res.status(201), { sources: { newSource: created } });
  }));

  router.get('/sources/:sourceId/plugin.zip', administer(), handle(async (req, res) => {
    const source = await sourceOf(req, res);
    const zip = await buildMoodlePluginZip({ laurelUrl: ctx.config.BASE_URL, sourceId: source.id, sourceName: source.name });
    res.set({ 'Content-Type': 'application/zip', 'Content-Disposition': 'attachment; filename="moodle-local_laurel.zip"', 'Cache-Control': 'no-store' }).send(zip);
  }));

  router.post('/sources/:sourceId/rotate', form, csrf.verify(), administer(), handle(async (req, res) => {
    const source = await sourceOf(req, res);
    if (!confirmed(req)) {
      return renderConfirm(res, {
        csrf: viewerOf(res).csrf, title: 'Rotate the shared secret', question: `Rotate the shared secret of ${source.name || 'this Moodle source'}?`,
        consequences: ['Laurel refuses events signed with the old secret from now on (other Laurel servers within 15 seconds).', 'Moodle keeps retrying refused deliveries: paste the new secret into the plugin settings and nothing is lost.'],
        action: `${adminHere(req, res)}/sources/${source.id}/rotate`, confirmLabel: 'Rotate secret', cancelUrl: `${adminHere(req, res)}#sources`,
      });
    }
    const secret = await rotateSecretAsAdmin(ctx, { source, actor: actorOf(res), now: new Date() });
    return renderAdmin(ctx, csrf, req, res, { sources: { newSource: { source: describeSource(ctx.config, source), secret, rotated: true } } });
  }));

  router.post('/sources/:sourceId/delete', form, csrf.verify(), administer(), handle(async (req, res) => {
    const source = await sourceOf(req, res);
    if (!confirmed(req)) {
      return renderConfirm(res, {
        csrf: viewerOf(res).csrf, title: 'Delete the event source', question: `Delete ${source.name || `this ${source.kind} source`}?`,
        consequences: ['Its endpoint stops accepting events at once; the LMS gets 404 for new deliveries.', 'Events already received, scores and badges stay as they are.'],
        action: `${adminHere(req, res)}/sources/${source.id}/delete`, confirmLabel: 'Delete source', cancelUrl: `${adminHere(req, res)}#sources`,
      });
    }
    await deleteSourceAsAdmin(ctx, { source, actor: actorOf(res) });
    res.redirect(303, `${adminHere(req, res)}?done=source-deleted#sources`);
  }));

  router.post('/sources/:sourceId/canvas-subscription', form, csrf.verify(), administer(), handle(async (req, res) => {
    const source = await sourceOf(req, res);
    const values = text(req.body, ['accountId', 'apiBase', 'format']);
    const parsed = subscriptionForm.safeParse(values);
    if (!parsed.success) return renderAdmin(ctx, csrf, req, res.status(422), { sources: { subscription: { sourceId: source.id, values, errors: fieldErrors(parsed.error) } } });
    const outcome = await subscribeCanvasSource(ctx, { source, ...parsed.data, actor: actorOf(res) });
    // 502 when Canvas (or the way to it) refused: the admin's input was fine, the upstream answer was not.
    return renderAdmin(ctx, csrf, req, res.status(outcome.ok ? 200 : 502), { sources: { subscription: { sourceId: source.id, values, outcome } } });
  }));
}
