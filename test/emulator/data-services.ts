// Canvas Data Services (Live Events subscriptions) stub: tools create HTTPS subscriptions with their LTI token
// (`/api/lti/accounts/:accountId/data_services`, canvas-lms Lti::DataServicesController), and tests deliver
// events to them as signed JWTs (RS256, a key separate from the LTI keys, as canvas/signing.md describes).
import { randomUUID } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { KeyStore } from './keys';
import { canvasError } from './service';
import type { Core } from './state';
import { bearerToken } from './token';

const SCOPE = 'https://canvas.instructure.com/lti/data_services/scope';
export const DATA_SERVICES_SCOPES = {
  create: `${SCOPE}/create`, show: `${SCOPE}/show`, update: `${SCOPE}/update`, list: `${SCOPE}/list`,
  destroy: `${SCOPE}/destroy`, listEventTypes: `${SCOPE}/list_event_types`,
} as const;
const MEDIA = 'application/vnd.canvas.dataservices+json';
/** Not documented: third-party code sees this issuer on signed Live Events (canvas/signing.md section 4). */
export const LIVE_EVENTS_ISSUER = 'https://live-events.canvas.instructure.com';

export interface DataServiceSubscription {
  Id: string;
  OwnerId: string;
  AccountId: string;
  ContextId: string;
  ContextType: string;
  EventTypes: string[];
  Format: string;
  TransportType: string;
  TransportMetadata: { Url: string };
  State: 'Active' | 'Deleted';
  CreatedAt: string;
  UpdatedAt: string;
}

export interface Delivery {
  subscriptionId: string;
  url: string;
  status: number;
  body: string;
}

export interface DataServicesState {
  subscriptions: Map<string, DataServiceSubscription>;
  keys: KeyStore;
}

function send(res: Response, status: number, body: unknown): void {
  res.status(status).set('Content-Type', `${MEDIA}; charset=utf-8`).send(JSON.stringify(body));
}

function validate(sub: Record<string, unknown>, partial: boolean): string | undefined {
  const need = ['ContextId', 'ContextType', 'EventTypes', 'Format', 'TransportMetadata', 'TransportType'];
  if (!partial) for (const k of need) if (sub[k] === undefined) return `subscription[${k}] is required`;
  if (sub.ContextType !== undefined && !['root_account', 'account', 'course', 'assignment'].includes(String(sub.ContextType))) return 'Invalid context type for subscription';
  if (sub.Format !== undefined && !['live-event', 'caliper'].includes(String(sub.Format))) return 'Format must be live-event or caliper';
  if (sub.TransportType !== undefined && !['https', 'sqs'].includes(String(sub.TransportType))) return 'TransportType must be https or sqs';
  return undefined;
}

export function dataServicesRouter(core: Core, ds: DataServicesState): Router {
  const router = express.Router();
  const base = '/api/lti/accounts/:accountId/data_services';
  const auth = (req: Request, res: Response, scope: string): string | undefined => {
    const token = bearerToken(core, req, [scope]);
    if (!token) canvasError(res, 401, 'unauthorized', 'Insufficient scopes on access token');
    return token?.clientId;
  };
  const own = (req: Request, res: Response, clientId: string): DataServiceSubscription | undefined => {
    const sub = ds.subscriptions.get(String(req.params.id));
    if (!sub || sub.OwnerId !== clientId || sub.State === 'Deleted') {
      send(res, 404, { error: 'Subscription not found' });
      return undefined;
    }
    return sub;
  };

  router.post(base, (req, res) => {
    const clientId = auth(req, res, DATA_SERVICES_SCOPES.create);
    if (!clientId) return;
    const sub = (req.body?.subscription ?? {}) as Record<string, unknown>;
    const problem = validate(sub, false);
    if (problem) return send(res, 400, { error: problem });
    const now = new Date().toISOString();
    const created: DataServiceSubscription = {
      Id: randomUUID(), OwnerId: clientId, AccountId: String(req.params.accountId), ContextId: String(sub.ContextId),
      ContextType: String(sub.ContextType), EventTypes: (sub.EventTypes as unknown[]).map(String), Format: String(sub.Format),
      TransportType: String(sub.TransportType), TransportMetadata: { Url: String((sub.TransportMetadata as { Url?: unknown }).Url ?? '') },
      State: 'Active', CreatedAt: now, UpdatedAt: now,
    };
    ds.subscriptions.set(created.Id, created);
    send(res, 200, created);
  });
  router.get(base, (req, res) => {
    const clientId = auth(req, res, DATA_SERVICES_SCOPES.list);
    if (clientId) send(res, 200, [...ds.subscriptions.values()].filter((s) => s.OwnerId === clientId && s.State === 'Active'));
  });
  router.get(`${base}/event_types`, (req, res) => {
    if (auth(req, res, DATA_SERVICES_SCOPES.listEventTypes)) {
      send(res, 200, { Grades: ['grade_change', 'course_grade_change'], Submissions: ['submission_created', 'submission_updated'], Assignments: ['assignment_created', 'assignment_updated'], Enrollments: ['enrollment_created'] });
    }
  });
  router.get(`${base}/:id`, (req, res) => {
    const clientId = auth(req, res, DATA_SERVICES_SCOPES.show);
    const sub = clientId && own(req, res, clientId);
    if (sub) send(res, 200, sub);
  });
  router.put(`${base}/:id`, (req, res) => {
    const clientId = auth(req, res, DATA_SERVICES_SCOPES.update);
    const sub = clientId && own(req, res, clientId);
    if (!sub) return;
    const changes = (req.body?.subscription ?? {}) as Record<string, unknown>;
    const problem = validate(changes, true);
    if (problem) return send(res, 400, { error: problem });
    for (const k of ['ContextId', 'ContextType', 'Format', 'TransportType', 'State'] as const) if (typeof changes[k] === 'string') Object.assign(sub, { [k]: changes[k] });
    if (Array.isArray(changes.EventTypes)) sub.EventTypes = changes.EventTypes.map(String);
    if (changes.TransportMetadata && typeof changes.TransportMetadata === 'object') sub.TransportMetadata = { Url: String((changes.TransportMetadata as { Url?: unknown }).Url ?? sub.TransportMetadata.Url) };
    sub.UpdatedAt = new Date().toISOString();
    send(res, 200, sub);
  });
  router.delete(`${base}/:id`, (req, res) => {
    const clientId = auth(req, res, DATA_SERVICES_SCOPES.destroy);
    const sub = clientId && own(req, res, clientId);
    if (!sub) return;
    sub.State = 'Deleted';
    send(res, 200, sub);
  });
  router.get('/emulator/live-events/jwks', (_req, res) => {
    res.json(ds.keys.jwks());
  });
  return router;
}

/**
 * Delivers one event to every active HTTPS subscription for its type. Signed delivery posts a compact RS256 JWT
 * whose claims are the event object (Canvas format `{metadata, body}` or a Caliper envelope) plus `iss`/`iat`.
 */
export async function deliverEvent(ds: DataServicesState, event: Record<string, unknown>, options: { eventName?: string; sign?: boolean } = {}): Promise<Delivery[]> {
  const metadata = event.metadata as { event_name?: unknown } | undefined;
  const eventName = options.eventName ?? (typeof metadata?.event_name === 'string' ? metadata.event_name : undefined);
  if (!eventName) throw new TypeError('deliver: pass options.eventName or an event with metadata.event_name');
  const targets = [...ds.subscriptions.values()].filter((s) => s.State === 'Active' && s.TransportType === 'https' && s.EventTypes.includes(eventName));
  const deliveries: Delivery[] = [];
  for (const sub of targets) {
    const now = Math.floor(Date.now() / 1000);
    const body = options.sign === false
      ? JSON.stringify(event)
      : await ds.keys.sign({ ...event, iss: LIVE_EVENTS_ISSUER, iat: now, exp: now + 3600 });
    const response = await fetch(sub.TransportMetadata.Url, {
      method: 'POST', body,
      headers: { 'content-type': options.sign === false ? 'application/json' : 'application/jwt', 'user-agent': 'Canvas Live Events (emulator)' },
    });
    deliveries.push({ subscriptionId: sub.Id, url: sub.TransportMetadata.Url, status: response.status, body: await response.text() });
  }
  return deliveries;
}
