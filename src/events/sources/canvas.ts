import { hash } from 'node:crypto';
import type { z } from 'zod';
import type { NormalisedEvent, ParseResult } from '../model';
import { malformed, toIso } from './common';
import {
  caliperEnvelopeSchema,
  caliperEventSchema,
  canvasAssignmentSchema,
  canvasEnvelopeSchema,
  canvasGradeChangeSchema,
  canvasSubmissionSchema,
  type CaliperEvent,
  type CanvasEnvelope,
} from './canvas-schema';

/**
 * Canvas Live Events, Canvas format (`{metadata, body}`) or Caliper 1.1 (`{sensor, dataVersion,
 * data: [event]}`), already verified and decoded. Ids are Canvas global ids, kept as strings.
 */
export function parseCanvasEvent(input: unknown): ParseResult {
  if (isObject(input) && 'metadata' in input && 'body' in input) return parseCanvasFormat(input);
  if (isObject(input) && 'dataVersion' in input && 'data' in input) return parseCaliper(input);
  throw malformed('Not a Canvas Live Event: expected {metadata, body} or a Caliper envelope.');
}

function parseCanvasFormat(input: unknown): ParseResult {
  const envelope = check(canvasEnvelopeSchema, input, '');
  const { metadata } = envelope;
  const name = metadata.event_name;
  const course = metadata.context_type === 'Course' && metadata.context_id ? { lmsCourseId: metadata.context_id } : {};
  switch (name) {
    // The doc and the Caliper table also spell it `grade_changed` (FORMAT_NOTES).
    case 'grade_override':
      return ignored(name, GRADE_OVERRIDE_MEANING);
    case 'grade_change':
    case 'grade_changed': {
      // Canvas's documented grade_override example is delivered under event_name grade_change; its
      // body (score_id, enrollment_id, override_score) names no assignment. Recognised by its body.
      if (isGradeOverride(envelope.body)) return ignored('grade_override', GRADE_OVERRIDE_MEANING);
      const body = check(canvasGradeChangeSchema, envelope.body, 'body');
      // Unposted (muted) grades are hidden from the learner; Canvas emits grade_change again when
      // they are posted (job Assignment#post_submissions), so awarding now would leak the grade.
      if (body.muted === true) return ignored(name, 'grade not posted to the learner yet (muted)');
      const learner = body.student_id ?? body.user_id;
      if (!learner) throw malformed('grade_change without student_id or user_id.');
      return event({
        type: 'score',
        origin: 'canvas',
        externalId: canvasExternalId(envelope, body.submission_id ?? `${body.assignment_id}/${learner}`),
        occurredAt: occurredAt(metadata.event_time, undefined),
        course,
        learner: { lmsUserId: learner },
        assignment: { sourceKey: `canvas:${body.assignment_id}`, externalId: body.assignment_id, name: body.assignment_name ?? null, pointsPossible: body.points_possible ?? null },
        scoreGiven: body.score ?? null,
        scoreMaximum: body.points_possible ?? null,
        excused: body.excused === true,
        missing: false,
      });
    }
    case 'submission_created':
    case 'submission_updated': {
      const body = check(canvasSubmissionSchema, envelope.body, 'body');
      return event({
        type: 'score',
        origin: 'canvas',
        externalId: canvasExternalId(envelope, body.submission_id),
        occurredAt: occurredAt(metadata.event_time, body.updated_at ?? body.graded_at),
        course,
        learner: { lmsUserId: body.user_id },
        // Submission events carry no points_possible: the maximum comes from the assignment.
        assignment: { sourceKey: `canvas:${body.assignment_id}`, externalId: body.assignment_id },
        scoreGiven: body.score ?? null,
        scoreMaximum: null,
        excused: body.excused === true,
        missing: body.missing === true,
      });
    }
    case 'assignment_created':
    case 'assignment_updated':
    case 'assignment_deleted': {
      const body = check(canvasAssignmentSchema, envelope.body, 'body');
      const ownCourse = body.context_type === 'Course' && body.context_id ? { lmsCourseId: body.context_id } : course;
      // Canvas has no assignment_deleted event: a deletion is an update to workflow_state "deleted".
      const deleted = name === 'assignment_deleted' || body.workflow_state === 'deleted';
      return event({
        type: 'assignment',
        origin: 'canvas',
        action: deleted ? 'deleted' : name === 'assignment_created' ? 'created' : 'updated',
        externalId: canvasExternalId(envelope, body.assignment_id),
        occurredAt: occurredAt(metadata.event_time, body.updated_at),
        course: ownCourse,
        assignment: {
          sourceKey: `canvas:${body.assignment_id}`,
          externalId: body.assignment_id,
          name: body.title ?? null,
          pointsPossible: body.points_possible ?? null,
          dueAt: body.due_at ? toIso(body.due_at) : null,
        },
      });
    }
    default:
      return ignored(name, 'event type not used by Laurel');
  }
}

function parseCaliper(input: unknown): ParseResult {
  const envelope = check(caliperEnvelopeSchema, input, '');
  const raw = envelope.data[0];
  const e = check(caliperEventSchema, raw, 'data.0');
  const objectType = e.object.type ?? '';
  const name = `${e.type}/${e.action}/${objectType}`;
  const course = e.group && /course/i.test(e.group.type ?? '') ? { lmsCourseId: entityId(e.group) } : {};
  if (e.type === 'GradeEvent' && e.action === 'Graded') {
    const learner = e.object.assignee ? entityId(e.object.assignee) : undefined;
    const assignment = e.object.assignable ? entityId(e.object.assignable) : undefined;
    if (!learner || !assignment) throw malformed('Caliper GradeEvent without object.assignee or object.assignable.', 'data.0.object');
    return event({
      type: 'score',
      origin: 'canvas',
      externalId: e.id,
      occurredAt: occurredAt(e.eventTime, undefined),
      course,
      learner: { lmsUserId: learner },
      assignment: { sourceKey: `canvas:${assignment}`, externalId: assignment, pointsPossible: e.generated?.maxScore ?? null },
      scoreGiven: e.generated?.scoreGiven ?? null,
      scoreMaximum: e.generated?.maxScore ?? null,
      excused: false,
      missing: false,
    });
  }
  if (objectType === 'AssignableDigitalResource' && (e.action === 'Created' || e.action === 'Modified' || e.action === 'Deleted')) {
    const assignment = entityId(e.object);
    const deleted = e.action === 'Deleted' || e.object.extensions?.['com.instructure.canvas']?.workflow_state === 'deleted';
    return event({
      type: 'assignment',
      origin: 'canvas',
      action: deleted ? 'deleted' : e.action === 'Created' ? 'created' : 'updated',
      externalId: e.id,
      occurredAt: occurredAt(e.eventTime, undefined),
      course,
      assignment: {
        sourceKey: `canvas:${assignment}`,
        externalId: assignment,
        name: e.object.name ?? null,
        pointsPossible: e.object.maxScore ?? null,
        dueAt: e.object.dateToSubmit ? toIso(e.object.dateToSubmit) : null,
      },
    });
  }
  // Caliper submission events (AssignableEvent/Submitted, Event/Modified on an Attempt) carry no
  // score; the grade arrives as a GradeEvent.
  if (objectType === 'Attempt') return ignored(name, 'Caliper submission events carry no score; waiting for the GradeEvent');
  return ignored(name, 'event type not used by Laurel');
}

/**
 * Canvas-format events have no event id (`request_id` is shared by every event of one request), so
 * the dedupe key is the event name, object id and time plus a hash of the whole event: a retried
 * delivery is byte-for-byte the same event, two different events differ somewhere.
 */
function canvasExternalId(envelope: CanvasEnvelope, objectId: string): string {
  const digest = hash('sha256', JSON.stringify({ m: envelope.metadata, b: envelope.body }), 'hex').slice(0, 24);
  return `${envelope.metadata.event_name}:${objectId}:${envelope.metadata.event_time ?? ''}:${digest}`;
}

function entityId(entity: { id: string; extensions?: { 'com.instructure.canvas'?: { entity_id?: string } | undefined } }): string {
  const fromExtension = entity.extensions?.['com.instructure.canvas']?.entity_id;
  if (fromExtension) return fromExtension;
  // urn:instructure:canvas:<type>:<global id>
  const match = /^urn:instructure:canvas:[a-z_]+:(.+)$/i.exec(entity.id);
  return match ? match[1]! : entity.id;
}

function occurredAt(primary: string | null | undefined, fallback: string | null | undefined): string {
  const value = primary ?? fallback;
  if (!value) throw malformed('The event has no time (metadata.event_time).', 'metadata.event_time');
  return toIso(value);
}

function check<S extends z.ZodType>(schema: S, input: unknown, prefix: string): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({ field: [prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(body)', message: i.message }));
  throw malformed('The Canvas event does not have the expected shape.', undefined, issues);
}

/**
 * What Canvas's `grade_override` Live Event means (canvas-lms doc/api/data_services/.../grade_override.json):
 * a teacher overrode a student's final course grade (body: score_id, enrollment_id, user_id, course_id,
 * grading_period_id, override_score, old_override_score, updated_at; ids shard-local). Laurel's rules
 * read assignment grades, so it is acknowledged and not applied.
 */
const GRADE_OVERRIDE_MEANING = "final course grade override (the course total, not an assignment grade): not used by Laurel's rules";

function isGradeOverride(body: Record<string, unknown>): boolean {
  return body.assignment_id === undefined && ('override_score' in body || 'old_override_score' in body) && ('score_id' in body || 'enrollment_id' in body);
}

function event(e: NormalisedEvent): ParseResult {
  return { kind: 'event', event: e };
}

function ignored(eventName: string, reason: string): ParseResult {
  return { kind: 'ignored', eventName, reason };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type { CaliperEvent };
