import { z } from 'zod';

/**
 * What every event source is normalised to (DESIGN section 3). Ids coming from an LMS stay strings:
 * Canvas global ids exceed 2^53 on some shards.
 */

export const eventOrigins = ['canvas', 'moodle', 'api', 'ags', 'csv'] as const;
export type EventOrigin = (typeof eventOrigins)[number];

const isoDate = z.iso.datetime({ offset: true });
const lmsId = z.string().min(1).max(200);

/** Where the event says it happened; any of the ids may be unknown until a launch or roster sync maps it. */
export const courseRefSchema = z.object({
  /** Laurel course id, when the caller knows it (generic API). */
  courseId: z.uuid().optional(),
  /** The LMS's own course id (Canvas global id, Moodle course id). */
  lmsCourseId: lmsId.optional(),
  title: z.string().max(500).optional(),
});

export const learnerRefSchema = z.object({
  /** The LMS's own user id (Canvas global id, Moodle user id) or the API caller's id. */
  lmsUserId: lmsId.optional(),
  /** LTI `sub`, when the source knows it. */
  ltiUserId: lmsId.optional(),
  email: z.string().max(320).optional(),
  name: z.string().max(500).optional(),
});

export const assignmentRefSchema = z.object({
  /** Stable per origin, becomes `assignments.source_key`: `canvas:<id>`, `moodle:<grade item id>`, `api:<id>`. */
  sourceKey: z.string().min(1).max(600),
  /** The id the LMS or API caller uses, matched by rules written against it. */
  externalId: lmsId,
  name: z.string().max(500).nullable().optional(),
  pointsPossible: z.number().nonnegative().nullable().optional(),
  dueAt: isoDate.nullable().optional(),
});

const common = {
  origin: z.enum(eventOrigins),
  /** Dedupe key within the source: a repeated delivery has the same one. */
  externalId: z.string().min(1).max(500),
  occurredAt: isoDate,
  course: courseRefSchema,
};

export const scoreEventSchema = z.object({
  type: z.literal('score'),
  ...common,
  learner: learnerRefSchema,
  assignment: assignmentRefSchema,
  /** Null when the LMS cleared the grade or has none yet. */
  scoreGiven: z.number().finite().nullable(),
  scoreMaximum: z.number().finite().nonnegative().nullable(),
  excused: z.boolean().default(false),
  missing: z.boolean().default(false),
});

export const assignmentEventSchema = z.object({
  type: z.literal('assignment'),
  ...common,
  action: z.enum(['created', 'updated', 'deleted']),
  assignment: assignmentRefSchema,
});

export const normalisedEventSchema = z.discriminatedUnion('type', [scoreEventSchema, assignmentEventSchema]);

export type ScoreEvent = z.infer<typeof scoreEventSchema>;
export type AssignmentEvent = z.infer<typeof assignmentEventSchema>;
export type NormalisedEvent = z.infer<typeof normalisedEventSchema>;
export type CourseRef = z.infer<typeof courseRefSchema>;
export type LearnerRef = z.infer<typeof learnerRefSchema>;

/** What a parser makes of one delivery: an event to store, or a well-formed event we do not use. */
export type ParseResult =
  | { kind: 'event'; event: NormalisedEvent }
  | { kind: 'ignored'; eventName: string; reason: string };
