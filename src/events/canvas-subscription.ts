import { z } from 'zod';
import { LaurelError } from '../errors';

/**
 * Canvas Live Events subscriptions through the Data Services API (`/api/lti/accounts/:account/data_services`),
 * authorised by Laurel's own LTI client-credentials token with the Data Services scopes. Ports only
 * (HTTP and tokens), so the LTI module's clients or a test double plug in.
 */

const SCOPE = 'https://canvas.instructure.com/lti/data_services/scope';
export const DATA_SERVICES_SCOPES = { create: `${SCOPE}/create`, list: `${SCOPE}/list` } as const;

/** The Live Events Laurel consumes (DESIGN section 5); deletions arrive as assignment_updated. */
export const LIVE_EVENT_TYPES = ['grade_change', 'submission_created', 'submission_updated', 'assignment_created', 'assignment_updated'] as const;

export interface SubscriptionDeps {
  /** HTTP towards the LMS (sets the User-Agent Canvas requires). */
  http: (url: string, init?: RequestInit) => Promise<Response>;
  tokens: { token(scopes: readonly string[]): Promise<string> };
}

const subscriptionSchema = z.looseObject({
  Id: z.string(),
  State: z.string().optional(),
  EventTypes: z.array(z.string()).optional(),
  Format: z.string().optional(),
  TransportMetadata: z.looseObject({ Url: z.string().optional() }).optional(),
});
export type LiveEventsSubscription = z.infer<typeof subscriptionSchema>;

export interface SubscribeProps {
  /** Origin of the institution's Canvas API, e.g. https://school.instructure.com. */
  apiBase: string;
  /** The account to subscribe (the root account's id or LTI context id). */
  accountId: string;
  /** Where Canvas posts: Laurel's `/events/canvas/<source id>`. */
  deliveryUrl: string;
  format?: 'live-event' | 'caliper';
  eventTypes?: readonly string[];
}

/**
 * Creates the subscription, or returns the active one that already delivers to `deliveryUrl` with
 * every wanted event type, so running the admin action twice does not double the deliveries.
 */
export async function subscribeLiveEvents(deps: SubscriptionDeps, props: SubscribeProps): Promise<{ subscription: LiveEventsSubscription; created: boolean }> {
  const url = `${props.apiBase.replace(/\/+$/, '')}/api/lti/accounts/${encodeURIComponent(props.accountId)}/data_services`;
  const eventTypes = [...(props.eventTypes ?? LIVE_EVENT_TYPES)];
  const format = props.format ?? 'live-event';
  const listed = await call(deps, url, { method: 'GET' }, [DATA_SERVICES_SCOPES.list]);
  const existing = z.array(subscriptionSchema).safeParse(listed);
  const match = existing.success
    ? existing.data.find((s) => s.State !== 'Deleted' && s.TransportMetadata?.Url === props.deliveryUrl && s.Format === format && eventTypes.every((t) => s.EventTypes?.includes(t)))
    : undefined;
  if (match) return { subscription: match, created: false };
  const body = {
    subscription: {
      ContextId: props.accountId,
      ContextType: 'root_account',
      EventTypes: eventTypes,
      Format: format,
      TransportMetadata: { Url: props.deliveryUrl },
      TransportType: 'https',
    },
  };
  const created = subscriptionSchema.safeParse(await call(deps, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, [DATA_SERVICES_SCOPES.create]));
  if (!created.success) throw new LaurelError('ERR_UNAVAILABLE', 'Canvas answered the subscription request with an unexpected body.');
  return { subscription: created.data, created: true };
}

async function call(deps: SubscriptionDeps, url: string, init: RequestInit, scopes: string[]): Promise<unknown> {
  const token = await deps.tokens.token(scopes);
  const response = await deps.http(url, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}`, accept: 'application/json' } });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new LaurelError('ERR_FORBIDDEN', `Canvas refused the Data Services call (${response.status}): the developer key needs the Data Services scopes.`, { details: { status: response.status } });
  }
  // The remote body goes to the log as the cause, never back to whoever triggered the call (issue 15).
  if (!response.ok) throw new LaurelError('ERR_UNAVAILABLE', `Canvas Data Services answered ${response.status}.`, { details: { status: response.status }, cause: new Error(text.slice(0, 2000)) });
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new LaurelError('ERR_UNAVAILABLE', 'Canvas Data Services answered with a body that is not JSON.', { cause });
  }
}
