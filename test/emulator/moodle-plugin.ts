// The Laurel companion plugin's side of an emulated Moodle (Moodle profile only): the grade export
// `POST /local/laurel/export.php` as integrations/moodle/local_laurel/classes/export.php answers it,
// over a small gradebook of grade items and grades that exist "before Laurel". The PHP round trip
// test (test/events/moodle-export.test.ts) checks that this and the plugin's PHP answer alike.
import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Router } from 'express';
import type { Core } from './state';

export const MOODLE_RELEASE = '4.5.6 (Build: 20250811)';

/** A Moodle grade item (table grade_items), as the plugin reads it. */
export interface MoodleGradeItem {
  id: number;
  contextId: string;
  itemtype: 'mod' | 'manual' | 'course' | 'category';
  /** Activity grade items: module name (quiz, assign, lti), instance id and course module id. */
  module?: string;
  instance?: number;
  cmid?: number;
  itemnumber: number;
  name: string;
  grademax: number;
  hidden: boolean;
  timemodified: number;
}

/** A learner's grade (table grade_grades). `userId` is the Moodle user id (= the LTI `sub`). */
export interface MoodleGrade {
  id: number;
  itemId: number;
  userId: string;
  finalgrade: number | null;
  hidden: boolean;
  excluded: boolean;
  timemodified: number;
}

export interface MoodlePluginConfig {
  sourceId: string;
  secret: string;
  laurelUrl?: string;
  /** "Let Laurel fetch existing grades" (default on). */
  allowExport?: boolean;
}

export interface ExportRequestSeen {
  status: number;
  course?: string;
  after?: string;
  events?: number;
}

export class MoodlePluginState {
  config: MoodlePluginConfig | null = null;
  items = new Map<number, MoodleGradeItem>();
  grades = new Map<number, MoodleGrade>();
  requests: ExportRequestSeen[] = [];
  private nextItemId = 100;
  private nextGradeId = 1000;

  addGradeItem(props: Omit<MoodleGradeItem, 'id' | 'itemnumber' | 'hidden' | 'timemodified'> & Partial<Pick<MoodleGradeItem, 'itemnumber' | 'hidden' | 'timemodified'>>): MoodleGradeItem {
    const item: MoodleGradeItem = { itemnumber: 0, hidden: false, timemodified: nowSeconds(), ...props, id: this.nextItemId++ };
    this.items.set(item.id, item);
    return item;
  }

  /** Grades (or regrades) a user; a regrade keeps the grade row and moves `timemodified`. */
  setGrade(itemId: number, props: { userId: string; finalgrade: number | null; hidden?: boolean; excluded?: boolean; timemodified?: number }): MoodleGrade {
    if (!this.items.has(itemId)) throw new Error(`unknown grade item ${itemId}`);
    const existing = [...this.grades.values()].find((g) => g.itemId === itemId && g.userId === props.userId);
    const grade: MoodleGrade = {
      id: existing?.id ?? this.nextGradeId++,
      itemId,
      userId: props.userId,
      finalgrade: props.finalgrade,
      hidden: props.hidden ?? false,
      excluded: props.excluded ?? false,
      timemodified: props.timemodified ?? nowSeconds(),
    };
    this.grades.set(grade.id, grade);
    return grade;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

const SCHEMA = 'laurel.moodle.export.v1';
const MAX_LIMIT = 200;
const MAX_SKEW = 300;

function sign(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function verify(secret: string, timestamp: string, signature: string, body: string): boolean {
  if (!secret || !/^\d{1,12}$/.test(timestamp) || !/^sha256=[0-9a-f]{64}$/.test(signature)) return false;
  const expected = Buffer.from(sign(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return false;
  return Math.abs(nowSeconds() - Number(timestamp)) <= MAX_SKEW;
}

/**
 * PHP's json_encode as the plugin calls it (JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE, without
 * JSON_PRESERVE_ZERO_FRACTION): a float with an integral value is written like an integer (`(float)
 * "35.00000"` is `35`), so JSON.stringify writes the same text.
 */
export function phpJson(value: unknown): string {
  return JSON.stringify(value);
}

/** The export page, built as classes/export.php builds it. */
export function exportPage(core: Core, plugin: MoodlePluginState, props: { contextId: string; after: number; limit: number }): Record<string, unknown> {
  const context = core.state.contexts.get(props.contextId) ?? { id: props.contextId };
  const course = { id: props.contextId, shortname: context.label ?? '', fullname: context.title ?? '' };
  const site = { url: core.url, release: MOODLE_RELEASE };
  const items = [...plugin.items.values()].filter((i) => i.contextId === props.contextId && i.itemtype !== 'course' && i.itemtype !== 'category').sort((a, b) => a.id - b.id);
  const events: Record<string, unknown>[] = [];
  if (props.after === 0) {
    for (const item of items) {
      events.push({ schema: 'laurel.moodle.v1', id: `gi-${item.id}-${item.timemodified}`, event: 'grade_item_exported', time: item.timemodified, site, course, item: itemPayload(item) });
    }
  }
  // Active enrolments, ordered by user id (get_enrolled_sql(..., onlyactive = true)).
  let users = [...core.state.roster(props.contextId).values()]
    .filter((m) => (m.status ?? 'Active') === 'Active' && Number(m.id) > props.after)
    .sort((a, b) => Number(a.id) - Number(b.id));
  let next: string | null = null;
  if (users.length > props.limit) {
    users = users.slice(0, props.limit);
    next = users[users.length - 1]!.id;
  }
  const byId = new Map(users.map((u) => [u.id, u]));
  for (const item of items) {
    const grades = [...plugin.grades.values()].filter((g) => g.itemId === item.id && byId.has(g.userId)).sort((a, b) => Number(a.userId) - Number(b.userId));
    for (const grade of grades) {
      if (grade.finalgrade === null) continue;
      const user = byId.get(grade.userId)!;
      events.push({
        schema: 'laurel.moodle.v1',
        id: `gg-${grade.id}-${grade.timemodified}`,
        event: 'user_graded',
        time: grade.timemodified,
        site,
        course,
        user: { id: user.id, email: user.email ?? '', fullname: user.name ?? [user.givenName, user.familyName].filter(Boolean).join(' ') },
        item: itemPayload(item),
        grade: { finalgrade: grade.finalgrade, hidden: grade.hidden || item.hidden, excluded: grade.excluded },
      });
    }
  }
  return { schema: SCHEMA, course, after: String(props.after), events, next };
}

function itemPayload(item: MoodleGradeItem): Record<string, unknown> {
  const mod = item.itemtype === 'mod';
  return {
    id: String(item.id),
    cmid: mod && item.cmid !== undefined ? String(item.cmid) : null,
    module: mod ? (item.module ?? null) : null,
    instance: mod && item.instance !== undefined ? String(item.instance) : null,
    itemnumber: item.itemnumber,
    name: item.name,
    grademax: item.grademax,
    duedate: null,
  };
}

/** `POST /local/laurel/export.php`: mounted before the JSON body parser, since the HMAC covers the raw bytes. */
export function moodlePluginRouter(core: Core, plugin: MoodlePluginState): Router {
  const router = express.Router();
  const answer = (res: express.Response, status: number, body: string, signed?: string) => {
    res.status(status).set('Content-Type', 'application/json; charset=utf-8').set('Cache-Control', 'no-store');
    if (signed) {
      const timestamp = nowSeconds();
      res.set('X-Laurel-Timestamp', String(timestamp)).set('X-Laurel-Signature', sign(signed, timestamp, body));
    }
    res.send(body);
  };
  const error = (res: express.Response, status: number, message: string) => {
    plugin.requests.push({ status });
    answer(res, status, JSON.stringify({ error: message }));
  };
  router.all('/local/laurel/export.php', express.raw({ type: () => true, limit: '1mb' }), (req, res) => {
    const config = plugin.config;
    if (req.method !== 'POST') return error(res, 405, 'Send a POST.');
    if (!config?.secret || !config.sourceId || !config.laurelUrl) return error(res, 503, 'The Laurel plugin is not configured on this site.');
    const body = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    if (!verify(config.secret, req.get('x-laurel-timestamp') ?? '', req.get('x-laurel-signature') ?? '', body)) {
      return error(res, 401, 'The request signature does not match, or its timestamp is more than 5 minutes away.');
    }
    if (config.allowExport === false) return error(res, 403, 'The site administrator turned the grade export off.');
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      request = {};
    }
    if (request.schema !== SCHEMA) return error(res, 400, `Expected a ${SCHEMA} request.`);
    if (String(request.source ?? '') !== config.sourceId) return error(res, 403, 'This site sends to another Laurel event source.');
    const course = String(request.course ?? '');
    const after = String(request.after ?? '0');
    const limit = Number(request.limit ?? 100);
    if (!/^[1-9]\d{0,18}$/.test(course) || !/^\d{1,19}$/.test(after) || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return error(res, 400, `course, after and limit (1..${MAX_LIMIT}) are required.`);
    }
    // Moodle's site course (id 1) is not a course; unknown ids are 404.
    if (course === '1' || !core.state.contexts.has(course)) return error(res, 404, 'No such course.');
    const page = exportPage(core, plugin, { contextId: course, after: Number(after), limit });
    plugin.requests.push({ status: 200, course, after, events: (page.events as unknown[]).length });
    answer(res, 200, phpJson(page), config.secret);
  });
  return router;
}
