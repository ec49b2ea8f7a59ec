import type { AppContext } from '../context';
import { audit } from '../audit';
import { LaurelError } from '../errors';
import { listPlatforms, PgLtiStore, serviceClients, userAgentOf, type PlatformRemovalHooks } from '../lti';
import { subscribeLiveEvents, type LiveEventsSubscription, type SubscriptionDeps } from './canvas-subscription';
import type { CreateSourceBody } from './source-schema';
import { createEventSource, deleteEventSource, findEventSource, listEventSources, rotateSourceSecret, setPlatformSourcesEnabled, type EventSource } from './sources-store';

/**
 * Event-source administration shared by the console (src/ui) and the admin API (./web/sources-api.ts):
 * create, rotate, delete and subscribe, each audited. Who may touch which source is decided by the
 * caller (`scope`).
 */

type Deps = Pick<AppContext, 'config' | 'database'>;

/**
 * Which sources an admin may see and change: a platform administrator (or a token bound to a
 * platform) that platform's only; an operator or an instance-wide admin token all, including the
 * installation-wide ones (no platform), which span tenants.
 */
export type SourceScope = { platformId: string } | 'all';

export function inScope(source: Pick<EventSource, 'platform_id'>, scope: SourceScope): boolean {
  return scope === 'all' || source.platform_id === scope.platformId;
}

export function endpointOf(config: AppContext['config'], source: Pick<EventSource, 'id' | 'kind'>): string {
  return `${config.BASE_URL}/events/${source.kind}/${source.id}`;
}

/** What an admin sees of a source: never its secret. */
export function describeSource(config: AppContext['config'], s: EventSource) {
  const failing = Boolean(s.last_error && (!s.last_event_at || (s.last_error_at && s.last_error_at > s.last_event_at)));
  return {
    id: s.id,
    kind: s.kind,
    name: s.name,
    platformId: s.platform_id,
    endpoint: endpointOf(config, s),
    enabled: s.enabled,
    jwksUrl: s.jwks_url,
    allowUnsigned: s.allow_unsigned,
    hasSecret: s.secret !== null,
    secretSetAt: s.secret_set_at,
    lastEventAt: s.last_event_at,
    lastError: s.last_error,
    lastErrorAt: s.last_error_at,
    status: !s.enabled ? 'disabled' : failing ? 'error' : s.last_event_at ? 'receiving' : 'waiting',
    createdAt: s.created_at,
  } as const;
}
export type SourceDescription = ReturnType<typeof describeSource>;

export async function listSourcesFor(deps: Deps, scope: SourceScope): Promise<SourceDescription[]> {
  const rows = await listEventSources(deps.database.db, scope === 'all' ? {} : { platformId: scope.platformId });
  return rows.filter((s) => inScope(s, scope)).map((s) => describeSource(deps.config, s));
}

export async function requireSourceIn(deps: Deps, props: { sourceId: string; scope: SourceScope }): Promise<EventSource> {
  const source = await findEventSource(deps.database.db, props.sourceId);
  if (!source || !inScope(source, props.scope)) throw new LaurelError('ERR_NOT_FOUND', 'No event source you administer has this id.');
  return source;
}

/** Creates a source; a Moodle source's plaintext secret is returned here and never again. */
export async function createSourceAsAdmin(deps: Deps, props: { body: CreateSourceBody; actor: string; platformId: string | null }): Promise<{ source: SourceDescription; secret: string | null }> {
  const { body } = props;
  const created = await createEventSource(deps.database.db, {
    kind: body.kind,
    name: body.name,
    platformId: props.platformId,
    keyEncryptionKey: deps.config.KEY_ENCRYPTION_KEY,
    ...(body.kind === 'canvas' ? { jwksUrl: body.jwksUrl, allowUnsigned: body.allowUnsigned } : {}),
    ...(body.kind === 'moodle' && body.secret !== undefined ? { secret: body.secret } : {}),
  });
  await audit(deps.database.db, { actor: props.actor, action: 'event_source.created', subjectType: 'event_source', subjectId: created.id, platformId: props.platformId, details: { kind: created.kind, name: created.name, ...(body.kind === 'moodle' ? { secret: body.secret === undefined ? 'generated' : 'chosen' } : {}), ...(body.kind === 'canvas' ? { jwksUrl: body.jwksUrl, allowUnsigned: body.allowUnsigned } : {}) } });
  return { source: describeSource(deps.config, created), secret: created.secret };
}

export async function rotateSecretAsAdmin(deps: Deps, props: { source: EventSource; actor: string; now: Date }): Promise<string> {
  if (props.source.kind !== 'moodle') throw new LaurelError('ERR_CONFLICT', 'Only Moodle sources have a shared secret; Canvas signs with its own keys.');
  const { secret } = await rotateSourceSecret(deps.database.db, { sourceId: props.source.id, keyEncryptionKey: deps.config.KEY_ENCRYPTION_KEY, now: props.now });
  await audit(deps.database.db, { actor: props.actor, action: 'event_source.secret_rotated', subjectType: 'event_source', subjectId: props.source.id, platformId: props.source.platform_id });
  return secret;
}

export async function deleteSourceAsAdmin(deps: Deps, props: { source: EventSource; actor: string }): Promise<void> {
  await deleteEventSource(deps.database.db, { sourceId: props.source.id });
  await audit(deps.database.db, { actor: props.actor, action: 'event_source.deleted', subjectType: 'event_source', subjectId: props.source.id, platformId: props.source.platform_id, details: { kind: props.source.kind, name: props.source.name } });
}

export interface SubscriptionOutcome {
  ok: boolean;
  message: string;
  subscription?: LiveEventsSubscription;
}

/**
 * The "Create Canvas Live Events subscription" action: Laurel's own LTI token (client credentials
 * with the Data Services scopes) asks Canvas to deliver to this source's endpoint. Failures come back
 * as a sentence for the admin, never as an exception: the most common one (the developer key lacks
 * the Data Services scopes) is something they fix in Canvas.
 */
export async function subscribeCanvasSource(deps: Deps, props: {
  source: EventSource; accountId: string; apiBase: string; format: 'live-event' | 'caliper'; actor: string; clients?: SubscriptionDeps;
}): Promise<SubscriptionOutcome> {
  const { source } = props;
  if (source.kind !== 'canvas') return { ok: false, message: 'Only Canvas sources can subscribe to Live Events.' };
  const platform = source.platform_id ? (await listPlatforms(deps.database.db)).find((p) => p.id === source.platform_id) : undefined;
  if (!platform && !props.clients) return { ok: false, message: 'This source is not bound to a registered Canvas platform, so Laurel has no LTI token to ask Canvas with.' };
  let outcome: SubscriptionOutcome;
  try {
    const clients = props.clients ?? (await ltiClients(deps, platform!));
    const { subscription, created } = await subscribeLiveEvents(clients, { apiBase: props.apiBase, accountId: props.accountId, deliveryUrl: endpointOf(deps.config, source), format: props.format });
    outcome = { ok: true, subscription, message: created ? `Canvas created subscription ${subscription.Id}: Live Events now go to this source.` : `Canvas already delivers to this source (subscription ${subscription.Id}); nothing changed.` };
  } catch (error) {
    outcome = { ok: false, message: reasonOf(error) };
  }
  await audit(deps.database.db, {
    actor: props.actor, action: outcome.ok ? 'event_source.canvas_subscribed' : 'event_source.canvas_subscribe_failed', subjectType: 'event_source', subjectId: source.id, platformId: source.platform_id,
    details: { accountId: props.accountId, apiBase: props.apiBase, format: props.format, ...(outcome.subscription ? { subscriptionId: outcome.subscription.Id } : { reason: outcome.message }) },
  });
  return outcome;
}

async function ltiClients(deps: Deps, platform: Parameters<typeof serviceClients>[1]): Promise<SubscriptionDeps> {
  const store = new PgLtiStore(deps.database.db);
  // The tool key pair is read through the ltijs store, which must be set up first.
  await store.setup();
  return serviceClients({ store, keyEncryptionKey: deps.config.KEY_ENCRYPTION_KEY, userAgent: userAgentOf(deps.config.BASE_URL) }, platform);
}

function reasonOf(error: unknown): string {
  if (error instanceof LaurelError) return error.message;
  // fetch failures (DNS, refused connection, TLS) are TypeErrors whose cause says what happened.
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const detail = cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
  return `Laurel could not reach Canvas (${detail}). Check the Canvas address.`;
}

/** The events side of removing a platform (lti's `PlatformRemovalHooks`): its sources stop accepting events. */
export function eventsPlatformHooks(deps: Pick<AppContext, 'database'>): PlatformRemovalHooks {
  return { disableEventSources: (props) => setPlatformSourcesEnabled(deps.database.db, { ...props, enabled: false }) };
}
