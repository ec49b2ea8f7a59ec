import type { AppContext } from '../context';
import { LaurelError } from '../errors';
import { GroupCommit } from '../batching';
import { insertEvents, prepareEvent, type PreparedEvent, type StoreEventProps, type StoreEventResult } from './inbox';
import { enqueueEvaluation } from './jobs/evaluate';
import type { ParseResult } from './model';
import { normaliseApiEvent, type ApiEventBody } from './sources/api';
import { parseCanvasEvent } from './sources/canvas';
import { malformed } from './sources/common';
import { parseMoodleEvent } from './sources/moodle';
import { isUsableSecret, requireEventSource, type EventSource } from './sources-store';
import { touchSource } from './inbox';
import { verifyCanvasJwt } from './verify/canvas-jwt';
import { verifyMoodleSignature } from './verify/moodle-hmac';
import { parseStrictJson } from './strict-json';

/**
 * Ingest use-cases: authenticate, validate, normalise, commit to the inbox, then acknowledge. The
 * answer is sent only after the INSERT committed, so an acknowledged event is never lost; the
 * evaluate job is enqueued best-effort (the relay re-enqueues what Redis missed).
 */

export interface IngestResult {
  accepted: true;
  duplicate: boolean;
  /** A well-formed event of a type Laurel does not use (acknowledged so the LMS does not retry). */
  ignored?: string;
  eventId?: string;
  status?: 'pending' | 'parked' | 'processed' | 'failed';
}

type Deps = Pick<AppContext, 'database' | 'queues' | 'logger'> & Partial<Pick<AppContext, 'redis'>>;

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export async function ingestCanvasDelivery(deps: Deps, props: { sourceId: string; body: Buffer; now: Date }): Promise<IngestResult> {
  const source = await requireEventSource(deps.database.db, { id: props.sourceId, kind: 'canvas', now: props.now });
  return withSourceErrors(deps, source, async () => {
    const text = props.body.toString('utf8').trim();
    let decoded: unknown;
    if (text.startsWith('{')) {
      // "Sign Payload" off: plain JSON, trusted only when the admin allowed it for this source.
      if (!source.allow_unsigned) throw new LaurelError('ERR_EVENT_SIGNATURE', 'This source accepts only signed events (RS256 JWT body).');
      decoded = parseJson(props.body);
    } else if (COMPACT_JWS.test(text)) {
      if (!source.jwks_url) throw new LaurelError('ERR_EVENT_SIGNATURE', 'This source has no JWKS URL to verify signed events.');
      decoded = await verifyCanvasJwt(text, { jwksUrl: source.jwks_url });
    } else {
      throw malformed('The body is neither a compact JWT nor JSON.');
    }
    return accept(deps, source, parseCanvasEvent(decoded));
  });
}

export async function ingestMoodleDelivery(
  deps: Deps,
  props: { sourceId: string; body: Buffer; timestamp: string | undefined; signature: string | undefined; now: Date },
): Promise<IngestResult> {
  const source = await requireEventSource(deps.database.db, { id: props.sourceId, kind: 'moodle', now: props.now });
  return withSourceErrors(deps, source, async () => {
    // The signature covers the exact bytes received: verify before parsing anything.
    // A source whose secret is empty (an old row inserted by hand) would verify anyone's HMAC: refuse.
    if (!isUsableSecret(source.secret)) throw new LaurelError('ERR_EVENT_SIGNATURE', 'This Moodle source has no usable shared secret: an administrator must rotate it (admin console or POST /api/v1/event-sources/:id/rotate-secret) and paste the new one into the plugin.');
    verifyMoodleSignature({ secret: source.secret, timestampHeader: props.timestamp, signatureHeader: props.signature, body: props.body, now: props.now });
    return accept(deps, source, parseMoodleEvent(parseJson(props.body)));
  });
}

export async function ingestApiEvent(deps: Deps, props: { body: ApiEventBody }): Promise<IngestResult> {
  const event = normaliseApiEvent(props.body);
  const stored = await commitEvent(deps, { scope: 'api', sourceId: null, platformId: null, event });
  return { accepted: true, duplicate: stored.duplicate, eventId: stored.eventId, status: stored.status };
}

async function accept(deps: Deps, source: EventSource, result: ParseResult): Promise<IngestResult> {
  await touchSource(deps.database.db, { sourceId: source.id });
  if (result.kind === 'ignored') {
    deps.logger.debug({ sourceId: source.id, eventName: result.eventName, reason: result.reason }, 'event ignored');
    return { accepted: true, duplicate: false, ignored: result.reason };
  }
  const stored = await commitEvent(deps, { scope: source.id, sourceId: source.id, platformId: source.platform_id, event: result.event });
  return { accepted: true, duplicate: stored.duplicate, eventId: stored.eventId, status: stored.status };
}

// One group-commit inbox writer per database: concurrent deliveries share one INSERT and one commit.
const writers = new WeakMap<object, GroupCommit<PreparedEvent, StoreEventResult>>();
// Process-wide counts of inbox batches (the writers live as long as their database; these only add up).
const batchStats = { batches: 0, events: 0 };

/**
 * Inbox batches started and events they carried, in this process: each batch has a fixed cost (one
 * statement's parse and plan, one commit, one round trip) that its events share, so benchmarks
 * report the mean batch beside the CPU per event.
 */
export function inboxBatchStats(): { batches: number; events: number } {
  return { ...batchStats };
}

/**
 * Commits the event to the inbox (batched with concurrent deliveries, each caller still waits for
 * its own commit), then starts enqueueing its evaluation (batched too, best effort).
 */
async function commitEvent(deps: Deps, props: StoreEventProps): Promise<StoreEventResult> {
  const db = deps.database.db;
  let writer = writers.get(db);
  if (!writer) {
    writer = new GroupCommit((rows: PreparedEvent[]) => {
      batchStats.batches++;
      batchStats.events += rows.length;
      return insertEvents(db, rows);
    }, { maxBatch: 500, maxInFlight: 6 });
    writers.set(db, writer);
  }
  const stored = await writer.submit(await prepareEvent(db, props));
  // Not awaited: the event is durable once committed, and a slow Redis must not hold the LMS's
  // connection. A job that fails to queue is logged and re-queued by the relay.
  if (!stored.duplicate && stored.status === 'pending') {
    enqueueEvaluation(deps, stored.eventId).catch((error: unknown) => deps.logger.warn({ err: error, eventId: stored.eventId }, 'evaluation not queued; the relay will'));
  }
  return stored;
}

/** Refusals are recorded on the source (admins see why Canvas/Moodle deliveries fail), then rethrown. */
async function withSourceErrors<T>(deps: Deps, source: EventSource, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LaurelError) {
      deps.logger.warn({ sourceId: source.id, kind: source.kind, code: error.code, reason: error.message }, 'event refused');
      await touchSource(deps.database.db, { sourceId: source.id, error: `${error.code}: ${error.message}` }).catch(() => undefined);
    }
    throw error;
  }
}

/** Strict: valid UTF-8, no repeated keys, bounded nesting (src/events/strict-json.ts). */
function parseJson(body: Buffer | string): unknown {
  const parsed = parseStrictJson(body);
  if (!parsed.ok) throw malformed(parsed.reason, undefined, []);
  return parsed.value;
}
