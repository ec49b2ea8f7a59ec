// Pure analytics core: kinds, day windows, series and the rules for what counts. No I/O, no clock.

/** Counters recorded as they happen (table analytics_daily). */
export const RECORDED_KINDS = ['notified', 'opened', 'viewed', 'downloaded', 'linkedin', 'verified'] as const;
export type RecordedKind = (typeof RECORDED_KINDS)[number];

/** Every series shown: `issued` is derived from credentials, `statusList` is per issuer list. */
export const KINDS = ['issued', 'notified', 'opened', 'viewed', 'downloaded', 'linkedin', 'verified', 'statusList'] as const;
export type Kind = (typeof KINDS)[number];

export const KIND_LABELS: Record<Kind, string> = {
  issued: 'Issued',
  // Reach (src/reach): learners told of a badge (email or Moodle notification), and emails opened.
  notified: 'Learners notified',
  opened: 'Emails opened',
  viewed: 'Public page views',
  downloaded: 'Downloads',
  linkedin: 'LinkedIn clicks',
  verified: 'Verifications (API)',
  statusList: 'Status-list fetches',
};

/** Kinds that belong to one badge; status-list fetches cannot be told apart by badge. */
export const BADGE_KINDS = KINDS.filter((k) => k !== 'statusList');

export type Counts = Record<Kind, number>;

export interface DayCount {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  kind: Kind;
  count: number;
}

export function emptyCounts(): Counts {
  return { issued: 0, notified: 0, opened: 0, viewed: 0, downloaded: 0, linkedin: 0, verified: 0, statusList: 0 };
}

/** The UTC day of an instant, YYYY-MM-DD (the key counters are stored under). */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** The `days` UTC days ending with the day of `now`, oldest first. */
export function dayWindow(now: Date, days: number): string[] {
  if (!Number.isInteger(days) || days < 1) throw new TypeError('days must be a positive integer');
  const end = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return Array.from({ length: days }, (_, i) => utcDay(new Date(end - (days - 1 - i) * 86_400_000)));
}

export interface Series {
  days: string[];
  /** One array per kind, aligned with `days`; days without a row are 0. */
  values: Record<Kind, number[]>;
  totals: Counts;
}

/** Lays counter rows out on a day window; rows outside the window are ignored. */
export function toSeries(rows: readonly DayCount[], days: readonly string[]): Series {
  const index = new Map(days.map((d, i) => [d, i]));
  const values = Object.fromEntries(KINDS.map((k) => [k, days.map(() => 0)])) as Record<Kind, number[]>;
  const totals = emptyCounts();
  for (const row of rows) {
    const i = index.get(row.day);
    if (i === undefined) continue;
    values[row.kind][i]! += row.count;
    totals[row.kind] += row.count;
  }
  return { days: [...days], values, totals };
}

// Crawlers and link-preview fetchers that say what they are. Anything that pretends to be a browser
// cannot be told apart cheaply and is counted: the page says so rather than claiming "humans only".
const DECLARED_BOT = /bot\b|bot\/|crawl|spider|slurp|facebookexternalhit|embedly|preview|headlesschrome|lighthouse|pingdom|uptime|monitor|python-requests|go-http-client|okhttp|wget|curl/i;

/** True for a request that identifies itself as automated, or that sends no User-Agent at all. */
export function isAutomated(userAgent: string | undefined): boolean {
  return !userAgent || DECLARED_BOT.test(userAgent);
}

// Must match the cookie name of src/lti/session.ts (`laurel_lti_<courseId>`); the integration test
// mints a real session cookie, so a rename there fails here.
const SESSION_COOKIE_PREFIX = 'laurel_lti_';

/**
 * True when the browser holds a Laurel session cookie for the course: the holder, an instructor or
 * a classmate previewing from inside the course. Presence is enough: forging the cookie only makes
 * a view uncounted, which gains nothing, so the signature is not checked (keeps recording cheap).
 */
export function hasCourseSession(cookieHeader: string | undefined, courseId: string): boolean {
  if (!cookieHeader) return false;
  const name = `${SESSION_COOKIE_PREFIX}${courseId}`;
  return cookieHeader.split(';').some((part) => part.trim().startsWith(`${name}=`));
}

/** A verify API result worth counting: a credential of ours whose signature checked out. */
export function verifiedCredentialId(result: { checks: ReadonlyArray<{ check: string; ok: boolean }>; credential?: Record<string, unknown> }, baseUrl: string): string | undefined {
  const id = result.credential?.id;
  const prefix = `${baseUrl}/credentials/`;
  if (typeof id !== 'string' || !id.startsWith(prefix)) return undefined;
  const uuid = id.slice(prefix.length);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(uuid)) return undefined;
  // Junk that merely names one of our ids must not inflate the count: a proof has to verify.
  const signed = result.checks.some((c) => (c.check === 'proof.data-integrity' || c.check === 'proof.jws') && c.ok);
  return signed ? uuid.toLowerCase() : undefined;
}
