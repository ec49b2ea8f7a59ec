import { createHash } from 'node:crypto';
import type { ScoreEvent } from '../model';
import { malformed } from './common';
import { parseCsv } from './csv';

/**
 * Gradebook CSV exports as score events, for courses whose history predates Laurel.
 * - Canvas ("Export entire gradebook"): `Student, ID, SIS User ID, SIS Login ID, Section, <Name> (<id>)...`,
 *   a "Points Possible" row, `EX` for excused, empty for no grade. Assignment ids are Canvas ids, so
 *   imported scores and Live Events land on the same assignment.
 * - Moodle ("Export to text file"): `First name, Last name, ..., Email address, <Module>: <Name> (Real)...`,
 *   `-` for no grade, and "Last downloaded from this course" (Unix time). Moodle's export has no maximum:
 *   it comes from the assignment when Laurel knows it (plugin or AGS events), `(Percentage)` columns are /100.
 * The export time is each score's `occurredAt`, so newer events still win over an old export.
 */

export type GradebookFormat = 'canvas' | 'moodle';

export function detectGradebookFormat(csv: string): GradebookFormat {
  const header = parseCsv(csv.slice(0, 4000).split(/\r?\n/)[0] ?? '')[0] ?? [];
  if (header[0]?.trim() === 'Student' && header.includes('ID')) return 'canvas';
  if (header.some((h) => h.trim() === 'Email address')) return 'moodle';
  throw malformed('Not a Canvas or Moodle gradebook export (unrecognised header row).');
}

export function gradebookToEvents(props: { courseId: string; csv: string; format?: GradebookFormat; exportedAt: Date }): ScoreEvent[] {
  const format = props.format ?? detectGradebookFormat(props.csv);
  const rows = parseCsv(props.csv);
  if (rows.length < 2) throw malformed('The gradebook export has no learner rows.');
  return format === 'canvas' ? canvasRows(props.courseId, rows, props.exportedAt) : moodleRows(props.courseId, rows, props.exportedAt);
}

function canvasRows(courseId: string, rows: string[][], exportedAt: Date): ScoreEvent[] {
  const header = rows[0]!;
  const idCol = header.indexOf('ID');
  const columns = header.flatMap((h, index) => {
    const m = /^(.*) \((\d+)\)$/.exec(h.trim());
    return m ? [{ index, name: m[1]!, id: m[2]! }] : [];
  });
  const pointsRow = rows.find((r) => r[0]?.trim() === 'Points Possible');
  const events: ScoreEvent[] = [];
  for (const row of rows.slice(1)) {
    const name = row[0]?.trim() ?? '';
    const userId = row[idCol]?.trim();
    if (row === pointsRow || !userId || !/^\d+$/.test(userId) || name === 'Student, Test') continue;
    for (const col of columns) {
      const value = row[col.index]?.trim() ?? '';
      const points = Number(pointsRow?.[col.index]);
      const max = Number.isFinite(points) && pointsRow?.[col.index]?.trim() ? points : null;
      const excused = value.toUpperCase() === 'EX';
      if (!excused && (value === '' || !Number.isFinite(Number(value)))) continue;
      events.push(event({ courseId, exportedAt, learner: { lmsUserId: userId, name }, sourceKey: `canvas:${col.id}`, externalId: col.id, assignmentName: col.name, scoreGiven: excused ? null : Number(value), scoreMaximum: max, excused }));
    }
  }
  return events;
}

function moodleRows(courseId: string, rows: string[][], exportedAt: Date): ScoreEvent[] {
  const header = rows[0]!.map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const [first, last, email, downloaded] = [col('First name'), col('Last name'), col('Email address'), col('Last downloaded from this course')];
  const columns = header.flatMap((h, index) => {
    const m = /^(.+?): (.+) \((Real|Percentage)\)$/.exec(h);
    return m && !/total/i.test(m[1]!) ? [{ index, module: m[1]!, name: m[2]!, percentage: m[3] === 'Percentage' }] : [];
  });
  const events: ScoreEvent[] = [];
  for (const row of rows.slice(1)) {
    const address = row[email]?.trim();
    if (!address) continue;
    const seconds = Number(row[downloaded]);
    const at = downloaded >= 0 && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : exportedAt;
    for (const c of columns) {
      const value = (row[c.index] ?? '').replace('%', '').trim();
      if (value === '' || value === '-' || !Number.isFinite(Number(value))) continue;
      events.push(event({
        courseId, exportedAt: at, learner: { email: address, name: `${row[first] ?? ''} ${row[last] ?? ''}`.trim() },
        sourceKey: `moodle:name:${c.module}:${c.name}`, externalId: c.name, assignmentName: c.name,
        scoreGiven: Number(value), scoreMaximum: c.percentage ? 100 : null, excused: false,
      }));
    }
  }
  return events;
}

function event(p: {
  courseId: string; exportedAt: Date; learner: ScoreEvent['learner']; sourceKey: string; externalId: string; assignmentName: string;
  scoreGiven: number | null; scoreMaximum: number | null; excused: boolean;
}): ScoreEvent {
  const occurredAt = p.exportedAt.toISOString();
  // The same value in a re-imported file is the same event: the key is a hash of what it says.
  const digest = createHash('sha256').update(JSON.stringify([p.courseId, p.learner.lmsUserId ?? p.learner.email, p.sourceKey, p.scoreGiven, p.excused, occurredAt])).digest('hex').slice(0, 40);
  return {
    type: 'score', origin: 'csv', externalId: `csv:${digest}`, occurredAt,
    course: { courseId: p.courseId },
    learner: p.learner,
    assignment: { sourceKey: p.sourceKey, externalId: p.externalId, name: p.assignmentName, pointsPossible: p.scoreMaximum },
    scoreGiven: p.scoreGiven, scoreMaximum: p.scoreMaximum, excused: p.excused, missing: false,
  };
}
