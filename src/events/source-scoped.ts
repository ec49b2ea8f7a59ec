import type { AppContext } from '../context';
import type { TenantScope } from '../courses';
import { LaurelError } from '../errors';
import { listPlatforms } from '../lti';
import { createSourceAsAdmin, deleteSourceAsAdmin, listSourcesFor, requireSourceIn, rotateSecretAsAdmin, type SourceDescription, type SourceScope } from './source-admin';
import type { CreateSourceBody } from './source-schema';
import type { EventSource } from './sources-store';

/**
 * The administration use-cases behind `/api/v1/event-sources`: the console's own actions, bounded by
 * the caller's tenant reach. A caller bound to one platform sees that platform's sources and the
 * installation-wide ones, as its console does; any other is absent (404).
 */

interface Caller {
  scope: TenantScope;
  actor: string;
  now: Date;
}

const sourceScope = (scope: TenantScope): SourceScope => (scope.platformId === undefined ? 'all' : { platformId: scope.platformId });

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
  return createSourceAsAdmin(ctx, { body: props.body, actor: props.actor, platformId: platformId ?? null });
}

async function sourceOf(ctx: AppContext, props: { sourceId: string; scope: TenantScope }): Promise<EventSource> {
  return requireSourceIn(ctx, { sourceId: props.sourceId, scope: sourceScope(props.scope) });
}

/** A new Moodle shared secret (in this answer only). */
export async function rotateSourceSecretInScope(ctx: AppContext, props: Caller & { sourceId: string }): Promise<string> {
  const source = await sourceOf(ctx, props);
  return rotateSecretAsAdmin(ctx, { source, actor: props.actor, now: props.now });
}

export async function deleteSourceInScope(ctx: AppContext, props: Caller & { sourceId: string }): Promise<void> {
  const source = await sourceOf(ctx, props);
  await deleteSourceAsAdmin(ctx, { source, actor: props.actor });
}
