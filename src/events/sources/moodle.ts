import { z } from 'zod';
import type { ParseResult } from '../model';
import { malformed } from './common';

/**
 * The payload the Laurel Moodle plugin (integrations/moodle/local_laurel) posts, version 1. The PHP
 * side builds exactly this in `classes/payload.php`; test/events/fixtures/moodle-*.json mirror it.
 * Moodle ids are sent as strings; grades as numbers in the grade item's own scale.
 */
const mid = z.union([z.string().regex(/^\d{1,20}$/), z.number().int().nonnegative()]).transform(String);

export const moodleItemSchema = z.object({
  /** Grade item id (absent on deletion: Moodle deletes the grade item before the event fires). */
  id: mid.nullable().optional(),
  /** Course module id and activity, when the item belongs to an activity. */
  cmid: mid.nullable().optional(),
  module: z.string().regex(/^[a-z0-9_]{1,40}$/).nullable().optional(),
  instance: mid.nullable().optional(),
  itemnumber: z.number().int().min(0).nullable().optional(),
  name: z.string().max(1333).nullable().optional(),
  grademax: z.number().finite().nullable().optional(),
  /** Due date, epoch seconds. */
  duedate: z.number().int().positive().nullable().optional(),
});

export const moodlePayloadSchema = z.object({
  schema: z.literal('laurel.moodle.v1'),
  /** Made by the plugin when it observes the event; retries resend the same id. */
  id: z.string().regex(/^[A-Za-z0-9._:-]{1,200}$/),
  /** `grade_item_exported`: a grade item as it is now, from the plugin's grade export (moodle-export.ts). */
  event: z.enum(['user_graded', 'course_module_created', 'course_module_updated', 'course_module_deleted', 'grade_item_exported']),
  /** When Moodle recorded the change, epoch seconds. */
  time: z.number().int().positive(),
  site: z.object({ url: z.string().max(500), release: z.string().max(100).optional() }),
  course: z.object({ id: mid, shortname: z.string().max(255).optional(), fullname: z.string().max(1333).optional() }),
  user: z.object({ id: mid, email: z.string().max(320).optional(), fullname: z.string().max(500).optional() }).optional(),
  item: moodleItemSchema,
  grade: z
    .object({
      finalgrade: z.number().finite().nullable(),
      /** Hidden from the learner in the gradebook. */
      hidden: z.boolean().default(false),
      /** Excluded from aggregation: Moodle's counterpart of "excused". */
      excluded: z.boolean().default(false),
    })
    .optional(),
});

export type MoodlePayload = z.infer<typeof moodlePayloadSchema>;

export function parseMoodleEvent(input: unknown): ParseResult {
  const parsed = moodlePayloadSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
    throw malformed('The Moodle event does not have the expected shape.', undefined, issues);
  }
  const p = parsed.data;
  const occurredAt = new Date(p.time * 1000).toISOString();
  const course = { lmsCourseId: p.course.id, ...(p.course.fullname ? { title: p.course.fullname } : {}) };
  const key = sourceKeyOf(p.item);
  const externalId = p.item.id ?? p.item.cmid;
  if (!key || !externalId) throw malformed('The Moodle event names no grade item (item.id or item.module + item.instance).', 'item');
  const assignment = {
    sourceKey: key,
    externalId,
    name: p.item.name ?? null,
    pointsPossible: p.item.grademax ?? null,
    dueAt: p.item.duedate ? new Date(p.item.duedate * 1000).toISOString() : null,
  };
  if (p.event === 'user_graded') {
    if (!p.user || !p.grade) throw malformed('user_graded needs user and grade.', p.user ? 'grade' : 'user');
    // A grade hidden in the gradebook is not the learner's to see yet; Moodle fires user_graded again on unhiding.
    if (p.grade.hidden) return { kind: 'ignored', eventName: p.event, reason: 'grade hidden from the learner' };
    return {
      kind: 'event',
      event: {
        type: 'score',
        origin: 'moodle',
        externalId: p.id,
        occurredAt,
        course,
        learner: { lmsUserId: p.user.id, ...(p.user.email ? { email: p.user.email } : {}), ...(p.user.fullname ? { name: p.user.fullname } : {}) },
        assignment,
        scoreGiven: p.grade.finalgrade,
        scoreMaximum: p.item.grademax ?? null,
        excused: p.grade.excluded,
        missing: false,
      },
    };
  }
  const action = p.event === 'course_module_created' ? 'created' : p.event === 'course_module_deleted' ? 'deleted' : 'updated';
  return { kind: 'event', event: { type: 'assignment', origin: 'moodle', action, externalId: p.id, occurredAt, course, assignment } };
}

/**
 * Activity grade items are keyed by module, instance and item number, which user_graded and the
 * module deletion event both know; manual items by their id.
 */
function sourceKeyOf(item: MoodlePayload['item']): string | undefined {
  if (item.module && item.instance) return `moodle:mod:${item.module}:${item.instance}:${item.itemnumber ?? 0}`;
  if (item.id) return `moodle:item:${item.id}`;
  return undefined;
}
