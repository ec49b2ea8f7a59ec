// Assignment and Grade Services: line items. Moodle's quirks (05-ags.json, 07-errors.json): exact media
// types, `?type_id=N` on every URL, `resourceId`/`tag` "" when unset plus the old `ltiLinkId`, HTML-escaped
// Link URLs with curly-quoted rels and an off-by-one `last`. POST always creates (not idempotent).
import express, { type Request, type Response, type Router } from 'express';
import { acceptOk, contentTypeOk, lineItemJson, ownItem, serviceAuth } from './ags-access';
import { createLineItem, deleteLineItem, lineItemsOf } from './gradebook';
import { SCOPES } from './profile';
import { MEDIA, canvasError, intParam, moodleError, notFound, rawHeader, sendMedia } from './service';
import { registerScoreRoutes } from './scores';
import type { Core } from './state';
import { lineItemsUrl } from './urls';

const READ = [SCOPES.lineItem, SCOPES.lineItemReadonly];
const WRITE = [SCOPES.lineItem];

function moodleLinks(container: string, limit: number, from: number, total: number): string {
  // Recorded Moodle bugs kept on purpose: `&amp;` in URLs, curly quotes around rel values, `last` off by one.
  const at = (f: number): string => `<${container}&amp;limit=${limit}&amp;from=${f}>`;
  const parts = [`${at(0)}; rel=“first”`];
  if (from > 0) parts.push(`${at(Math.max(from - limit, 0))}; rel=“prev”`);
  parts.push(`${at(from)}; rel=“canonical”`);
  if (from + limit < total) parts.push(`${at(from + limit)}; rel=“next”`);
  parts.push(`${at(Math.max(total - 1, 0))}; rel=“last”`);
  return rawHeader(parts.join(', '));
}

function listItems(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, READ);
  if (!tool) return;
  const courseId = String(req.params.courseId);
  if (!acceptOk(core, req, res, MEDIA.lineItemContainer, `/${courseId}/lineitems`, true)) return;
  if (core.profile === 'moodle' && !core.state.contexts.has(courseId) && !lineItemsOf(core, courseId).length) return notFound(core, req, res, `Course ${courseId}`);
  const q = req.query;
  let items = lineItemsOf(core, courseId, tool.clientId)
    .filter((i) => typeof q.tag !== 'string' || i.tag === q.tag)
    .filter((i) => typeof q.resource_id !== 'string' || i.resourceId === q.resource_id)
    .filter((i) => typeof q.resource_link_id !== 'string' || i.resourceLinkId === q.resource_link_id);
  const limit = intParam(q.limit);
  if (limit) {
    const total = items.length;
    const container = lineItemsUrl(core, tool, courseId);
    if (core.profile === 'moodle') {
      const from = intParam(q.from) ?? 0;
      items = items.slice(from, from + limit);
      res.set('Link', moodleLinks(container, limit, from, total));
    } else {
      const page = Math.max(intParam(q.page) ?? 1, 1);
      items = items.slice((page - 1) * limit, page * limit);
      const link = (p: number): string => `<${container}?limit=${limit}&page=${p}>`;
      const links = [`${link(page)}; rel="current"`, `${link(1)}; rel="first"`, `${link(Math.max(Math.ceil(total / limit), 1))}; rel="last"`];
      if (page * limit < total) links.splice(1, 0, `${link(page + 1)}; rel="next"`);
      res.set('Link', links.join(','));
    }
  }
  sendMedia(core, res, 200, MEDIA.lineItemContainer, items.map((i) => lineItemJson(core, i)));
}

interface LineItemBody {
  label?: unknown; scoreMaximum?: unknown; resourceId?: unknown; tag?: unknown; resourceLinkId?: unknown; startDateTime?: unknown; endDateTime?: unknown;
}

function validBody(core: Core, req: Request, res: Response): (LineItemBody & { label: string; scoreMaximum: number }) | undefined {
  const body = (req.body ?? {}) as LineItemBody;
  if (typeof body.label === 'string' && body.label && typeof body.scoreMaximum === 'number' && body.scoreMaximum > 0) {
    return body as LineItemBody & { label: string; scoreMaximum: number };
  }
  if (core.profile === 'moodle') moodleError(req, res, 400, 'No label or Score Maximum');
  else canvasError(res, 400, 'bad_request', 'label and a positive scoreMaximum are required');
  return undefined;
}

const optString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function createItem(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, WRITE);
  if (!tool) return;
  const courseId = String(req.params.courseId);
  if (!contentTypeOk(core, req, res, MEDIA.lineItem, `/${courseId}/lineitems`)) return;
  const body = validBody(core, req, res);
  if (!body) return;
  const item = createLineItem(core, {
    contextId: courseId, clientId: tool.clientId, label: body.label, scoreMaximum: body.scoreMaximum,
    ...defined({ resourceId: optString(body.resourceId), tag: optString(body.tag), resourceLinkId: optString(body.resourceLinkId) }),
    // Moodle echoes start/end dates on POST but does not store them.
    ...(core.profile === 'canvas' ? defined({ startDateTime: optString(body.startDateTime), endDateTime: optString(body.endDateTime) }) : {}),
  });
  if (core.profile === 'moodle') sendMedia(core, res, 201, MEDIA.lineItem, { ...(req.body as object), id: item.url }, { escapeSlashes: false });
  else sendMedia(core, res, 200, MEDIA.lineItem, lineItemJson(core, item));
}

function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function getItem(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, READ);
  if (!tool) return;
  if (!acceptOk(core, req, res, MEDIA.lineItem, `/${req.params.courseId}/lineitems/${req.params.itemId}/lineitem`)) return;
  const item = ownItem(core, req, res, tool);
  if (item) sendMedia(core, res, 200, MEDIA.lineItem, lineItemJson(core, item));
}

function updateItem(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, WRITE);
  if (!tool) return;
  if (!contentTypeOk(core, req, res, MEDIA.lineItem, `/${req.params.courseId}/lineitems/${req.params.itemId}/lineitem`)) return;
  const item = ownItem(core, req, res, tool);
  const body = item && validBody(core, req, res);
  if (!item || !body) return;
  Object.assign(item, { label: body.label, scoreMaximum: body.scoreMaximum }, defined({ resourceId: optString(body.resourceId), tag: optString(body.tag) }));
  if (core.profile === 'moodle') sendMedia(core, res, 200, MEDIA.lineItem, { ...(req.body as object), id: item.url }, { escapeSlashes: false });
  else sendMedia(core, res, 200, MEDIA.lineItem, lineItemJson(core, item));
}

function removeItem(core: Core, req: Request, res: Response): void {
  const tool = serviceAuth(core, req, res, WRITE);
  if (!tool) return;
  const item = ownItem(core, req, res, tool);
  if (!item) return;
  deleteLineItem(core, item.id);
  if (core.profile === 'moodle') res.status(204).set('Content-Type', 'text/html; charset=utf-8').end();
  else res.status(204).end();
}

export function agsRouter(core: Core): Router {
  const router = express.Router();
  const base = core.profile === 'moodle' ? '/mod/lti/services.php/:courseId/lineitems' : '/api/lti/courses/:courseId/line_items';
  const item = core.profile === 'moodle' ? `${base}/:itemId/lineitem` : `${base}/:itemId`;
  router.get(base, (req, res) => listItems(core, req, res));
  router.post(base, (req, res) => createItem(core, req, res));
  router.get(item, (req, res) => getItem(core, req, res));
  router.put(item, (req, res) => updateItem(core, req, res));
  router.delete(item, (req, res) => removeItem(core, req, res));
  registerScoreRoutes(core, router, item);
  return router;
}
