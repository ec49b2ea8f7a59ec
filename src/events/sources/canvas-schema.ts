import { z } from 'zod';

/**
 * Canvas Live Events as delivered (Canvas format and Caliper 1.1), only the fields we read. Canvas
 * adds fields over time and drops nulls (`compact_live_events`), so objects are loose and nearly
 * every field optional (fixtures/canvas/FORMAT_NOTES.md).
 */

const id = z.union([z.string(), z.number()]).transform(String);
const num = z.number().finite().nullable().optional();
const text = z.string().nullable().optional();

export const canvasEnvelopeSchema = z.looseObject({
  metadata: z.looseObject({
    event_name: z.string().min(1),
    event_time: text,
    context_type: text,
    context_id: id.nullable().optional(),
  }),
  body: z.looseObject({}),
});

export const canvasGradeChangeSchema = z.looseObject({
  assignment_id: id,
  submission_id: id.nullable().optional(),
  user_id: id.nullable().optional(),
  student_id: id.nullable().optional(),
  score: num,
  points_possible: num,
  grade: text,
  muted: z.boolean().nullable().optional(),
  excused: z.boolean().nullable().optional(),
  assignment_name: text,
});

export const canvasSubmissionSchema = z.looseObject({
  assignment_id: id,
  submission_id: id,
  user_id: id,
  score: num,
  grade: text,
  missing: z.boolean().nullable().optional(),
  excused: z.boolean().nullable().optional(),
  workflow_state: text,
  graded_at: text,
  updated_at: text,
  posted_at: text,
});

export const canvasAssignmentSchema = z.looseObject({
  assignment_id: id,
  context_id: id.nullable().optional(),
  context_type: text,
  title: text,
  points_possible: num,
  due_at: text,
  workflow_state: text,
  updated_at: text,
});

const canvasExt = z.looseObject({ entity_id: id.optional(), workflow_state: text, grade: text }).optional();
const entity = z.looseObject({
  id: z.string(),
  type: z.string().optional(),
  extensions: z.looseObject({ 'com.instructure.canvas': canvasExt }).optional(),
});

export const caliperEnvelopeSchema = z.looseObject({
  sensor: z.string().optional(),
  sendTime: z.string().optional(),
  dataVersion: z.string().regex(/caliper/i),
  // Canvas sends exactly one event per envelope; we accept a few and take the first.
  data: z.array(z.looseObject({})).min(1).max(10),
});

export const caliperEventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string(),
  action: z.string(),
  eventTime: z.string(),
  object: entity.extend({
    name: text,
    maxScore: num,
    dateToSubmit: text,
    assignee: entity.optional(),
    assignable: entity.optional(),
  }),
  generated: entity.extend({ scoreGiven: num, maxScore: num }).optional(),
  group: entity.optional(),
});

export type CanvasEnvelope = z.infer<typeof canvasEnvelopeSchema>;
export type CaliperEvent = z.infer<typeof caliperEventSchema>;
