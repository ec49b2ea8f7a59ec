// Pure: what Laurel's gradebook column says about one learner. No I/O, no clock.

/** One badge the learner holds, as the gradebook comment lists it. */
export interface HeldBadge {
  name: string;
  /** The credential's public page; absent when the learner hid the badge. */
  url?: string;
}

export interface GradebookFeedback {
  /** Badges held. */
  scoreGiven: number;
  /** Badges published in the course: the LMS rescales given/maximum to its item's maximum. */
  scoreMaximum: number;
  comment: string;
}

/** Longest comment sent: Moodle keeps feedback in a text column, Canvas shows it in a side panel. */
export const MAX_COMMENT_CHARS = 4000;

/**
 * The score is the share of the course's published badges the learner holds: `held / published`,
 * sent as scoreGiven = held and scoreMaximum = published so the LMS rescales it to its own column
 * (Moodle: 2 of 4 badges on a 50-point item records 25). Only active badges count (not revoked or
 * expired) and only badges still published in the course. A course with no published badge has no
 * meaningful score: nothing is posted (undefined).
 */
export function gradebookFeedback(props: { publishedCount: number; held: readonly HeldBadge[] }): GradebookFeedback | undefined {
  if (props.publishedCount <= 0) return undefined;
  const held = props.held.slice(0, props.publishedCount);
  const header = held.length === 0
    ? `No badges from Laurel yet (0 of ${props.publishedCount}).`
    : `Badges from Laurel (${held.length} of ${props.publishedCount}):`;
  const lines = held.map((badge) => (badge.url ? `- ${badge.name}: ${badge.url}` : `- ${badge.name}`));
  let comment = [header, ...lines].join('\n');
  if (comment.length > MAX_COMMENT_CHARS) comment = `${comment.slice(0, MAX_COMMENT_CHARS - 1)}…`;
  return { scoreGiven: held.length, scoreMaximum: props.publishedCount, comment };
}

/** Whether two feedbacks would look the same in the gradebook (then nothing is posted again). */
export function sameFeedback(a: GradebookFeedback, b: Pick<GradebookFeedback, 'scoreGiven' | 'scoreMaximum' | 'comment'>): boolean {
  return a.scoreGiven === Number(b.scoreGiven) && a.scoreMaximum === Number(b.scoreMaximum) && a.comment === b.comment;
}
