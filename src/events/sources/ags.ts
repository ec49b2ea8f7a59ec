import type { ScoreEvent } from '../model';
import { toIso } from './common';

/** What the poller reads from AGS (the LTI module's LineItem and AgsResult satisfy these). */
export interface AgsLineItem {
  id: string;
  label?: string | null;
  scoreMaximum: number;
  resourceId?: string | null;
}
export interface AgsResultRow {
  userId: string;
  resultScore?: number | null;
  resultMaximum?: number | null;
  timestamp?: string;
}

/**
 * AGS results of one line item as score events. A result carries no event id, so the dedupe key is
 * the line item, the user and the result's timestamp (or its score when the platform sends no
 * timestamp): polling the same results again adds nothing, a changed grade adds one event.
 */
export function agsResultsToEvents(props: { courseId: string; lineItem: AgsLineItem; results: readonly AgsResultRow[]; polledAt: Date }): ScoreEvent[] {
  const { lineItem } = props;
  const events: ScoreEvent[] = [];
  for (const r of props.results) {
    // Moodle drops a user from results when grading is not complete; a result without a score is no grade.
    if (r.resultScore === null || r.resultScore === undefined) continue;
    let occurredAt = props.polledAt.toISOString();
    if (r.timestamp) {
      try {
        occurredAt = toIso(r.timestamp);
      } catch {
        // An unparseable timestamp is not worth losing the grade over: use the poll time.
      }
    }
    const version = r.timestamp ?? `score=${r.resultScore}`;
    events.push({
      type: 'score',
      origin: 'ags',
      externalId: `${lineItem.id}|${r.userId}|${version}`.slice(0, 500),
      occurredAt,
      course: { courseId: props.courseId },
      learner: { ltiUserId: r.userId },
      assignment: { sourceKey: `lti:${lineItem.id}`, externalId: lineItem.resourceId || lineItem.id, name: lineItem.label || null, pointsPossible: lineItem.scoreMaximum },
      scoreGiven: r.resultScore,
      // Moodle rescales to the item's maximum and says so in resultMaximum; the percentage is unchanged.
      scoreMaximum: r.resultMaximum ?? lineItem.scoreMaximum,
      excused: false,
      missing: false,
    });
  }
  return events;
}
