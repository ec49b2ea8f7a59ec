import type { AppContext } from '../context';
import { audit } from '../audit';
import type { Platform, TenantScope } from '../courses';
import { LaurelError } from '../errors';
import { activatePlatform, listPlatforms, registerPlatform, removePlatform, type PlatformListing, type PlatformRegistrationProps } from './platforms';
import { PgLtiStore } from './storage';

/**
 * The administration use-cases behind `/api/v1/platforms` (./platforms-api.ts) and the console's
 * platform actions, bounded by the caller's tenant reach. A caller bound to one platform sees that
 * platform; any other is absent (404).
 */

type Deps = Pick<AppContext, 'config' | 'database'>;

interface Caller {
  scope: TenantScope;
  actor: string;
  now: Date;
}

/** The tool URLs an administrator configures in the LMS after registering it by hand. */
export interface ToolUrls {
  login: string;
  launch: string;
  jwks: string;
  canvasJson?: string;
}

export function toolUrlsOf(baseUrl: string, lms: Platform['lms']): ToolUrls {
  const root = `${baseUrl}/lti`;
  return { login: `${root}/login`, launch: `${root}/launch`, jwks: `${root}/keys`, ...(lms === 'canvas' ? { canvasJson: `${root}/canvas.json` } : {}) };
}

/**
 * What removing a platform stops outside LTI: its event sources. They belong to the events module,
 * which imports this one, so the caller (the composition root, the console) passes that side in.
 */
export interface PlatformRemovalHooks {
  /** Disables the platform's event sources; answers how many changed. */
  disableEventSources(props: { platformId: string; now: Date }): Promise<number>;
}

export async function listPlatformsInScope(ctx: Deps, props: { scope: TenantScope }): Promise<PlatformListing[]> {
  return (await listPlatforms(ctx.database.db)).filter((p) => props.scope.platformId === undefined || p.id === props.scope.platformId);
}

export async function findPlatformInScope(ctx: Deps, props: { platformId: string; scope: TenantScope }): Promise<PlatformListing> {
  const platform = (await listPlatformsInScope(ctx, props)).find((p) => p.id === props.platformId);
  if (!platform) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
  return platform;
}

/** Registers an LMS by hand (the console's form, `laurel platform add`): active at once. Instance-wide callers only. */
export async function registerPlatformFromApi(ctx: Deps, props: Caller & { platform: Omit<PlatformRegistrationProps, 'status' | 'details'> }): Promise<{ platform: PlatformListing; toolUrls: ToolUrls }> {
  if (props.scope.platformId !== undefined) throw new LaurelError('ERR_FORBIDDEN', 'Only an instance-wide token may register platforms.');
  const store = new PgLtiStore(ctx.database.db);
  await store.setup();
  const registered = await registerPlatform(
    { db: ctx.database.db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY },
    { ...props.platform, status: 'active', details: { registeredBy: props.actor, registeredAt: props.now.toISOString() } },
  );
  await audit(ctx.database.db, { actor: props.actor, action: 'platform.registered', subjectType: 'platform', subjectId: registered.id, details: { issuer: registered.issuer, clientId: registered.client_id, lms: registered.lms } });
  return { platform: await findPlatformInScope(ctx, { platformId: registered.id, scope: props.scope }), toolUrls: toolUrlsOf(ctx.config.BASE_URL, registered.lms) };
}

/** Activates a platform waiting for an administrator; ERR_CONFLICT when it is not pending. */
export async function activatePlatformInScope(ctx: Deps, props: Caller & { platformId: string }): Promise<Platform> {
  const platform = await findPlatformInScope(ctx, props);
  // Approval of a registration is an instance operator's decision (issue 15): a token bound to the
  // platform itself must not be able to wave its own pending registration through.
  if (props.scope.platformId !== undefined) throw new LaurelError('ERR_FORBIDDEN', 'Only an instance-wide token may activate platforms.');
  return activatePlatform(ctx.database.db, { platformId: platform.id, actor: props.actor, now: props.now, auditPlatformId: null });
}

/** Removes a platform as the console does: launches stop, its event sources are disabled, data and credentials stay. */
export async function removePlatformInScope(ctx: Deps, props: Caller & { platformId: string }, hooks: PlatformRemovalHooks): Promise<void> {
  const platform = await findPlatformInScope(ctx, props);
  if (platform.status === 'disabled') throw new LaurelError('ERR_CONFLICT', 'This platform is already removed.');
  await decommissionPlatform(ctx, { platformId: platform.id, actor: props.actor, now: props.now }, hooks);
}

/**
 * Removes a platform (the console and the API): its LTI registration (and the tool key pair it used)
 * is deleted so launches stop, the platform row is kept as `disabled` because courses, learners and
 * awards refer to it, and its event sources stop accepting events. Issued credentials are signed by
 * the issuer's keys, not the platform's, so they keep verifying.
 */
export async function decommissionPlatform(ctx: Deps, props: { platformId: string; actor: string; now: Date }, hooks: PlatformRemovalHooks): Promise<Platform> {
  const platform = (await listPlatforms(ctx.database.db)).find((p) => p.id === props.platformId);
  if (!platform) throw new LaurelError('ERR_NOT_FOUND', 'No platform has this id.');
  const store = new PgLtiStore(ctx.database.db);
  await store.setup();
  await removePlatform({ db: ctx.database.db, store, keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY }, { issuer: platform.issuer, clientId: platform.client_id });
  const sources = await hooks.disableEventSources({ platformId: platform.id, now: props.now });
  await audit(ctx.database.db, { actor: props.actor, action: 'platform.removed', subjectType: 'platform', subjectId: platform.id, platformId: platform.id, details: { issuer: platform.issuer, clientId: platform.client_id, eventSourcesDisabled: sources } });
  return platform;
}
