import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { csvText } from '../csv';
import { LaurelError } from '../errors';
import { clrIssuerId } from './assemble';
import { clock, issuerProfiles, type TranscriptsDeps } from './deps';
import { signClrLine, type ClrLineRequest } from './export-line';
import { countCourseLearners, learnerPage, loadCourseOutline, loadStoredBadges, type LearnerRecord, type StoredBadge } from './records';
import type { ClrSignerPool } from './sign-pool';
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
  /** Called after every page of learners is written. */
  onProgress?: (progress: ExportProgress) => Promise<void> | void;
}

export interface CourseExportResult extends ExportProgress {
  files: ExportFile[];
}

/**
 * Exports a course: one signed CLR per learner holding signed badges, as JSON Lines
 * (`{"learnerId","credential","jws"}`), and a CSV summary with one row per award (or one row for a
 * learner without any). Streams in bounded memory whatever the course size:
 * - learners are read in keyset-paged batches of `options.batchSize`, each page's badges with their
 *   credentials as unparsed JSON text, each learner's dropped from the page once sent to signing;
 * - at most `inFlight` learners are being signed at once (backpressure: the oldest is awaited and
 *   written before another is sent), and a learner's CLR is built, signed and serialised on a signing
 *   thread when there are threads, so this thread never holds more than a page and a few lines;
 * - every write waits for its file stream to drain instead of queueing in memory.
 * Nothing holds all of a course's learners, CLRs or rows.
 */
export async function exportCourse(deps: TranscriptsDeps, props: CourseExportProps): Promise<CourseExportResult> {
  const now = clock(deps);
  const baseUrl = deps.config.BASE_URL;
  const outline = await loadCourseOutline(deps.db, { baseUrl, courseId: props.courseId });
  if (!outline) throw new LaurelError('ERR_NOT_FOUND', 'No such course.');
  const issuers = issuerProfiles(deps);
  const defaultIssuer = await issuers.defaultId();
  const pool = 'signLine' in deps.signer ? (deps.signer as ClrSignerPool) : undefined;
  // In-process signing goes one by one: concurrent first signatures of a new document shape would each
  // take the slow stock path, and one thread gains nothing from overlapping CPU-bound work.
  const signLine = pool ? (request: ClrLineRequest) => pool.signLine(request) : (request: ClrLineRequest) => signClrLine(deps.signer, request);
  const inFlight = pool?.inFlight ?? 1;
  mkdirSync(props.dir, { recursive: true });
  const jsonl = openFile(join(props.dir, EXPORT_FILES.clr));
  const csv = openFile(join(props.dir, EXPORT_FILES.summary));
  const progress: ExportProgress = { learnersDone: 0, learnersTotal: await countCourseLearners(deps.db, props.courseId), credentialsWritten: 0 };
  // Learners whose line is being signed, oldest first: the line promise alone (their CSV rows are
  // already written), so the window holds a few strings at most.
  const window: { line: Promise<string | undefined>; endsPage: boolean }[] = [];
  const writeOldest = async () => {
    const { line, endsPage } = window.shift()!;
    const text = await line;
    if (text) {
      await jsonl.write(text);
      progress.credentialsWritten += 1;
    }
    progress.learnersDone += 1;
    if (endsPage) {
      progress.learnersTotal = Math.max(progress.learnersTotal, progress.learnersDone);
      await props.onProgress?.({ ...progress });
    }
  };
  try {
    await csv.write(csvText([CSV_HEADER], { bom: true }));
    for await (const page of coursePages(deps, { courseId: props.courseId, now })) {
      for (const [i, learner] of page.learners.entries()) {
        const badges = page.badges.get(learner.id) ?? [];
        // Dropped from the page once sent: a learner's credentials then die young, before V8 promotes them.
        page.badges.delete(learner.id);
        const issuerId = clrIssuerId(badges, defaultIssuer);
        const line = signLine({ learner, badges, outline, issuerId, issuer: await issuers.get(issuerId), now, includeExpired: props.includeExpired ?? false });
        line.catch(() => undefined); // awaited in order by writeOldest; an early failure must not go unhandled meanwhile
        window.push({ line, endsPage: i === page.learners.length - 1 });
        await csv.write(csvRowsOf(learner, badges));
        if (window.length >= inFlight) await writeOldest();
      }
    }
    while (window.length > 0) await writeOldest();
    await Promise.all([jsonl.close(), csv.close()]);
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

interface CoursePage {
  learners: LearnerRecord[];
  /** The page's badges by learner id. */
  badges: Map<string, StoredBadge[]>;
}

/**
 * A course's learners page by page (keyset on the learner id, `options.batchSize` per page) with
 * their badges. Ends after a short page. The next page is read only when the caller asks for it: a
 * page read ahead would sit in memory while this one is signed, long enough for V8 to move it to the
 * old generation, where such garbage piles up until a full collection (a page read costs a few
 * milliseconds against seconds of signing).
 */
async function* coursePages(deps: TranscriptsDeps, props: { courseId: string; now: Date }): AsyncGenerator<CoursePage> {
  const size = deps.options.batchSize;
  let after: string | null = null;
  for (;;) {
    const learners: LearnerRecord[] = await learnerPage(deps.db, { courseId: props.courseId, after, limit: size });
    if (learners.length === 0) return;
    const badges = await loadStoredBadges(deps.db, { baseUrl: deps.config.BASE_URL, learnerIds: learners.map((l) => l.id), courseId: props.courseId, now: props.now });
    yield { learners, badges: groupBy(badges, (b) => b.learnerId) };
    if (learners.length < size) return;
    after = learners[size - 1]!.id;
  }
}

function csvRowsOf(learner: LearnerRecord, badges: StoredBadge[]): string {
  if (badges.length === 0) return csvText([[learner.id, learner.name, learner.email, null, null, null, 'none', null]]);
  return csvText(badges.map((b) => [learner.id, learner.name, learner.email, b.name, b.score, b.awardedAt.toISOString(), b.credentialUrl ? b.status : 'pending', b.credentialUrl]));
}

interface ExportFileSink {
  write(chunk: string): Promise<void>;
  close(): Promise<void>;
  destroy(): void;
}

/**
 * A file written with backpressure: `write` waits for the disk when the stream's buffer is full
 * instead of queueing in memory. A stream error (disk full, say) fails the next write or the close,
 * so it fails the export instead of going unhandled, also after the export already failed.
 */
function openFile(path: string): ExportFileSink {
  const stream = createWriteStream(path, { flags: 'w' });
  let failure: Error | undefined;
  stream.on('error', (error) => (failure ??= error));
  return {
    async write(chunk) {
      if (failure) throw failure;
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    close: () => new Promise<void>((resolve, reject) => stream.end((error?: Error | null) => (error ?? failure ? reject(error ?? failure) : resolve()))),
    destroy: () => void stream.destroy(),
  };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const list = map.get(key(item));
    if (list) list.push(item);
    else map.set(key(item), [item]);
  }
  return map;
}
