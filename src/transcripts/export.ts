import { once } from 'node:events';
import { createWriteStream, mkdirSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { LaurelError } from '../errors';
import { clrFacts, clrIssuerId } from './assemble';
import { buildClrCredential } from './clr';
import { csvRow } from './csv';
import { clock, issuerProfiles, type TranscriptsDeps } from './deps';
import { countCourseLearners, learnerPage, loadBadges, loadCourseOutline, type BadgeRecord, type LearnerRecord } from './records';
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
    await write(csv, `\uFEFF${csvRow(CSV_HEADER)}`);
    let after: string | null = null;
    for (;;) {
      const learners: LearnerRecord[] = await learnerPage(deps.db, { courseId: props.courseId, after, limit: deps.options.batchSize });
      if (learners.length === 0) break;
      after = learners[learners.length - 1]!.id;
      const badges = await loadBadges(deps.db, { baseUrl, learnerIds: learners.map((l) => l.id), courseId: props.courseId, now });
      const byLearner = groupBy(badges, (b) => b.learnerId);
      for (const learner of learners) {
        const own = byLearner.get(learner.id) ?? [];
        const rows = own.length
          ? own.map((b) => [learner.id, learner.name, learner.email, b.name, b.score, b.awardedAt.toISOString(), b.credentialUrl ? b.status : 'pending', b.credentialUrl])
          : [[learner.id, learner.name, learner.email, null, null, null, 'none', null]];
        await write(csv, rows.map(csvRow).join(''));
        const issuerId = clrIssuerId(own, defaultIssuer);
        const facts = clrFacts({ learner, badges: own, outlines: [outline], issuer: await issuers.get(issuerId), now, includeExpired: props.includeExpired ?? false });
        const built = buildClrCredential(facts);
        if (built) {
          const signed = await deps.signer.sign(issuerId, built.credential);
          await write(jsonl, `${JSON.stringify({ learnerId: learner.id, credential: signed.credential, jws: signed.jws })}\n`);
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
