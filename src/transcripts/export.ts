import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { csvText } from '../csv';
import { LaurelError } from '../errors';
import { clrFacts, clrIssuerId } from './assemble';
import { buildClrCredential } from './clr';
import { clock, issuerProfiles, type TranscriptsDeps } from './deps';
import { countCourseLearners, learnerPage, loadBadges, loadCourseOutline, type BadgeRecord, type LearnerRecord } from './records';
import type { SerialisingClrSigner } from './sign-pool';
import type { ExportFile } from './tables';

export const EXPORT_FILES = { clr: 'clr.jsonl', summary: 'summary.csv' } as const;
const CSV_HEADER = ['learner_id', 'learner_name', 'email', 'badge', 'score', 'issued', 'status', 'verification_url'];

export interface ExportProgress {
  learnersDone: number;
  learnersTotal: number;
  credentialsWritten: number;
}

export interface CourseExportProps {
  courseId: string;
  /** Directory the files are written to (created if missing). */
  dir: string;
  includeExpired?: boolean;
  /** Called after every batch. */
  onProgress?: (progress: ExportProgress) => Promise<void> | void;
}

export interface CourseExportResult extends ExportProgress {
  files: ExportFile[];
}

/**
 * Exports a course: one signed CLR per learner holding signed badges, as JSON Lines
 * (`{"learnerId","credential","jws"}`), and a CSV summary with one row per award (or one row for a
 * learner without any). Streams: learners are read in keyset-paginated batches of
 * `options.batchSize`, each batch signed and written before the next is read, and writes wait for
 * the file streams to drain, so memory stays flat whatever the course size.
 */
export async function exportCourse(deps: TranscriptsDeps, props: CourseExportProps): Promise<CourseExportResult> {
  const now = clock(deps);
  const baseUrl = deps.config.BASE_URL;
  const outline = await loadCourseOutline(deps.db, { baseUrl, courseId: props.courseId });
  if (!outline) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  const issuers = issuerProfiles(deps);
  const defaultIssuer = await issuers.defaultId();
  mkdirSync(props.dir, { recursive: true });
  const jsonl = createWriteStream(join(props.dir, EXPORT_FILES.clr), { flags: 'w' });
  const csv = createWriteStream(join(props.dir, EXPORT_FILES.summary), { flags: 'w' });
  const progress: ExportProgress = { learnersDone: 0, learnersTotal: await countCourseLearners(deps.db, props.courseId), credentialsWritten: 0 };
  try {
    await write(csv, csvText([CSV_HEADER], { bom: true }));
    const fetchBatch = async (after: string | null) => {
      const learners: LearnerRecord[] = await learnerPage(deps.db, { courseId: props.courseId, after, limit: deps.options.batchSize });
      const badges = await loadBadges(deps.db, { baseUrl, learnerIds: learners.map((l) => l.id), courseId: props.courseId, now });
      return { learners, byLearner: groupBy(badges, (b) => b.learnerId) };
    };
    const serialising = 'signToJson' in deps.signer ? (deps.signer as SerialisingClrSigner) : undefined;
    let next = fetchBatch(null);
    for (;;) {
      const { learners, byLearner } = await next;
      if (learners.length === 0) break;
      // Read the next batch while this one is signed: PostgreSQL and the signing threads overlap.
      next = fetchBatch(learners[learners.length - 1]!.id);
      next.catch(() => undefined);
      // Signing threads get a few requests each at a time; in-process signing goes one by one, since
      // concurrent first signatures of a new document shape would each take the slow stock path.
      const lines = await mapBatch(learners, serialising ? serialising.inFlight : 1, async (learner) => {
        const own = byLearner.get(learner.id) ?? [];
        const issuerId = clrIssuerId(own, defaultIssuer);
        const facts = clrFacts({ learner, badges: own, outlines: [outline], issuer: await issuers.get(issuerId), now, includeExpired: props.includeExpired ?? false });
        const built = buildClrCredential(facts);
        if (!built) return undefined;
        if (serialising) {
          const signed = await serialising.signToJson(issuerId, built.credential);
          // A compact JWS is base64url and dots only: safe inside a JSON string as is.
          return `{"learnerId":${JSON.stringify(learner.id)},"credential":${signed.credentialJson},"jws":"${signed.jws}"}\n`;
        }
        const signed = await deps.signer.sign(issuerId, built.credential);
        return `${JSON.stringify({ learnerId: learner.id, credential: signed.credential, jws: signed.jws })}\n`;
      });
      for (const [i, learner] of learners.entries()) {
        const own = byLearner.get(learner.id) ?? [];
        const rows = own.length
          ? own.map((b) => [learner.id, learner.name, learner.email, b.name, b.score, b.awardedAt.toISOString(), b.credentialUrl ? b.status : 'pending', b.credentialUrl])
          : [[learner.id, learner.name, learner.email, null, null, null, 'none', null]];
        await write(csv, csvText(rows));
        const line = lines[i];
        if (line) {
          await write(jsonl, line);
          progress.credentialsWritten += 1;
        }
        progress.learnersDone += 1;
      }
      progress.learnersTotal = Math.max(progress.learnersTotal, progress.learnersDone);
      await props.onProgress?.({ ...progress });
    }
    await Promise.all([close(jsonl), close(csv)]);
  } catch (error) {
    jsonl.destroy();
    csv.destroy();
    throw error;
  }
  const files: ExportFile[] = [
    { name: EXPORT_FILES.clr, bytes: statSync(join(props.dir, EXPORT_FILES.clr)).size, mediaType: 'application/jsonl' },
    { name: EXPORT_FILES.summary, bytes: statSync(join(props.dir, EXPORT_FILES.summary)).size, mediaType: 'text/csv; charset=utf-8' },
  ];
  return { ...progress, files };
}

async function write(stream: WriteStream, chunk: string): Promise<void> {
  // Backpressure: wait for the disk when the stream's buffer is full instead of queueing in memory.
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
}

function groupBy(badges: BadgeRecord[], key: (b: BadgeRecord) => string): Map<string, BadgeRecord[]> {
  const map = new Map<string, BadgeRecord[]>();
  for (const badge of badges) {
    const list = map.get(key(badge));
    if (list) list.push(badge);
    else map.set(key(badge), [badge]);
  }
  return map;
}

/** `Promise.all(items.map(fn))` with at most `concurrency` calls running; results in input order. */
async function mapBatch<T, R>(items: T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let nextIndex = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return results;
}
