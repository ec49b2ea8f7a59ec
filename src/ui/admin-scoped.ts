import type { AppContext } from '../context';
import { audit } from '../audit';
import type { Platform, TenantScope } from '../courses';
import { LaurelError } from '../errors';
import type { EventSource } from '../events';
import { listPlatforms, PgLtiStore, registerPlatform, type PlatformListing, type PlatformRegistrationProps } from '../lti';
import { activatePlatformFromConsole, removePlatformFromConsole, type ToolUrls } from './admin-platforms';
import { createSource, deleteSource, listSourcesFor, requireSourceIn, rotateSecret, type SourceDescription, type SourceScope } from './admin-source-actions';
import type { CreateSourceBody } from './admin-source-schema';

/**
 * The administration use-cases behind `/api/v1/platforms` and `/api/v1/event-sources`: the console's
 * own actions, bounded by the caller's tenant reach. A caller bound to one platform sees that platform
 * (and the installation-wide event sources, as its console does); any other is absent (404).
 */

interface Caller {
  scope: TenantScope;
  actor: string;
  now: Date;
}

const sourceScope = (scope: TenantScope): SourceScope => (scope.platformId === undefined ? 'all' : { platformId: scope.platformId });

export async function listPlatformsInScope(ctx: AppContext, props: { scope: TenantScope }): Promise<PlatformListing[]> {
  return (await listPlatforms(ctx.database.db)).filter((p) => props.scope.platformId === undefined || p.id === props.scope.platformId);
}

export async function findPlatformInScope(ctx: AppContext, props: { platformId: string; scope: TenantScope }): Promise<PlatformListing> {
  const platform = (await listPlatformsInScope(ctx, props)).find((p) => p.id === props.platformId);
  if (!platform) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
  return platform;
}

/** Registers an LMS by hand (the console's form, `laurel platform add`): active at once. Instance-wide callers only. */
export async function registerPlatformFromApi(ctx: AppContext, props: Caller & { platform: Omit<PlatformRegistrationProps, 'status' | 'details'> }): Promise<{ platform: PlatformListing; toolUrls: ToolUrls }> {
  if (props.scope.platformId !== undefined) throw new LaurelError('ERR_FORBIDDEN', 'Only an instance-wide token may register platforms.');
  const store = new PgLtiStore(ctx.database.db);
  await store.setup();
  const registered = await registerPlatform(
    { db: ctx.database.db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY },
    { ...props.platform, status: 'active', details: { registeredBy: props.actor, registeredAt: props.now.toISOString() } },
  );
  await audit(ctx.database.db, { actor: props.actor, action: 'platform.registered', subjectType: 'platform', subjectId: registered.id, details: { issuer: registered.issuer, clientId: registered.client_id, lms: registered.lms } });
  const root = `${ctx.config.BASE_URL}/lti`;
  const toolUrls: ToolUrls = { login: `${root}/login`, launch: `${root}/launch`, jwks: `${root}/keys`, ...(registered.lms === 'canvas' ? { canvasJson: `${root}/canvas.json` } : {}) };
  return { platform: await findPlatformInScope(ctx, { platformId: registered.id, scope: props.scope }), toolUrls };
}

/** Activates a platform waiting for an administrator; ERR_CONFLICT when it is not pending. */
export async function activatePlatformInScope(ctx: AppContext, props: Caller & { platformId: string }): Promise<Platform> {
  const platform = await findPlatformInScope(ctx, props);
  // Approval of a registration is an instance operator's decision (issue 15): a token bound to the
  // platform itself must not be able to wave its own pending registration through.
  if (props.scope.platformId !== undefined) throw new LaurelError('ERR_FORBIDDEN', 'Only an instance-wide token may activate platforms.');
  return activatePlatformFromConsole(ctx, { platformId: platform.id, actor: props.actor, sessionPlatformId: props.scope.platformId ?? null, now: props.now });
}

/** Removes a platform as the console does: launches stop, its event sources are disabled, data and credentials stay. */
export async function removePlatformInScope(ctx: AppContext, props: Caller & { platformId: string }): Promise<void> {
  const platform = await findPlatformInScope(ctx, props);
  if (platform.status === 'disabled') throw new LaurelError('ERR_CONFLICT', 'This platform is already removed.');
  await removePlatformFromConsole(ctx, { platformId: platform.id, actor: props.actor, now: props.now });
}

export function listSourcesInScope(ctx: AppContext, props: { scope: TenantScope }): Promise<SourceDescription[]> {
  return listSourcesFor(ctx, sourceScope(props.scope));
}

export async function findSourceInScope(ctx: AppContext, props: { sourceId: string; scope: TenantScope }): Promise<SourceDescription> {
  const source = await requireSourceIn(ctx, { sourceId: props.sourceId, scope: sourceScope(props.scope) });
  return (await listSourcesFor(ctx, sourceScope(props.scope))).find((s) => s.id === source.id)!;
}

/**
 * Creates an event source. A caller bound to a platform creates sources of that platform only; an
 * instance-wide caller may name any platform that exists (or none: installation-wide).
 */
export async function createSourceInScope(ctx: AppContext, props: Caller & { body: CreateSourceBody }): Promise<{ source: SourceDescription; secret: string | null }> {
  const platformId = props.scope.platformId ?? props.body.platformId;
  if (props.scope.platformId !== undefined && props.body.platformId && props.body.platformId !== props.scope.platformId) {
    throw new LaurelError('ERR_VALIDATION', 'Invalid request body: platformId: not your platform.', { issues: [{ field: 'platformId', message: 'not a platform this token reaches' }] });
  }
  if (platformId && !(await listPlatforms(ctx.database.db)).some((p) => p.id === platformId)) {
    throw new LaurelError('ERR_VALIDATION', 'Invalid request body: platformId: no platform has this id.', { issues: [{ field: 'platformId', message: 'No platform has this id (GET /api/v1/platforms or laurel platform list).' }] });
  }
  return createSource(ctx, { body: props.body, actor: props.actor, platformId: platformId ?? null });
}

async function sourceOf(ctx: AppContext, props: { sourceId: string; scope: TenantScope }): Promise<EventSource> {
  return requireSourceIn(ctx, { sourceId: props.sourceId, scope: sourceScope(props.scope) });
}

/** A new Moodle shared secret (in this answer only). */
export async function rotateSourceSecretInScope(ctx: AppContext, props: Caller & { sourceId: string }): Promise<string> {
  const source = await sourceOf(ctx, props);
  return rotateSecret(ctx, { source, actor: props.actor, now: props.now });
}

export async function deleteSourceInScope(ctx: AppContext, props: Caller & { sourceId: string }): Promise<void> {
  const source = await sourceOf(ctx, props);
  await deleteSource(ctx, { source, actor: props.actor });
}
