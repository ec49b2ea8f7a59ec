import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { isUuid } from '../courses';
import { LaurelError } from '../errors';
import type { EventsDb, EventSourceKind, EventTables } from './tables';

export type EventSource = Selectable<EventTables['event_sources']>;
const on = <T>(db: Kysely<T>): Kysely<EventsDb> => db as unknown as Kysely<EventsDb>;

export interface CreateEventSourceProps {
  kind: EventSourceKind;
  name?: string;
  platformId?: string | null;
  /** Canvas: the Data Services JWKS URL. */
  jwksUrl?: string | null;
  /** Moodle: the shared secret; generated (256 bits) when omitted. */
  secret?: string | null;
  /** Canvas: accept unsigned JSON too ("Sign Payload" off). Only for development. */
  allowUnsigned?: boolean;
}

export async function createEventSource<T>(db: Kysely<T>, props: CreateEventSourceProps): Promise<EventSource> {
  if (props.kind === 'canvas' && !props.jwksUrl && !props.allowUnsigned) throw new TypeError('A Canvas event source needs jwksUrl (or allowUnsigned for development)');
  if (props.jwksUrl && !/^https?:\/\//.test(props.jwksUrl)) throw new TypeError('jwksUrl must be an http(s) URL');
  const secret = props.kind === 'moodle' ? (props.secret ?? randomBytes(32).toString('base64url')) : null;
  if (secret !== null && secret.length < 16) throw new TypeError('A Moodle shared secret must have at least 16 characters');
  return on(db)
    .insertInto('event_sources')
    .values({
      kind: props.kind,
      name: props.name ?? '',
      platform_id: props.platformId ?? null,
      jwks_url: props.jwksUrl ?? null,
      secret,
      allow_unsigned: props.allowUnsigned ?? false,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export function listEventSources<T>(db: Kysely<T>): Promise<EventSource[]> {
  return on(db).selectFrom('event_sources').selectAll().orderBy('created_at').execute();
}

// Each webhook delivery names its source; a short cache spares a query per event under load.
const CACHE_MS = 15_000;
const cache = new Map<string, { source: EventSource; until: number }>();

export function clearEventSourceCache(): void {
  cache.clear();
}

/** The enabled source of this kind, or ERR_NOT_FOUND (unknown, disabled or of another kind alike). */
export async function requireEventSource<T>(db: Kysely<T>, props: { id: string; kind: EventSourceKind; now: Date }): Promise<EventSource> {
  const hit = cache.get(props.id);
  let source = hit && hit.until > props.now.getTime() ? hit.source : undefined;
  if (!source && isUuid(props.id)) {
    source = await on(db).selectFrom('event_sources').selectAll().where('id', '=', props.id).executeTakeFirst();
    if (source) cache.set(props.id, { source, until: props.now.getTime() + CACHE_MS });
  }
  if (!source || !source.enabled || source.kind !== props.kind) throw new LaurelError('ERR_NOT_FOUND', 'No enabled event source has this id.');
  return source;
}
