/**
 * Grade events: sources (Canvas Live Events, the Moodle plugin, the generic API), normalisation to
 * one ScoreEvent/AssignmentEvent, and the durable inbox.
 */
export {
  scoreEventSchema,
  assignmentEventSchema,
  normalisedEventSchema,
  type ScoreEvent,
  type AssignmentEvent,
  type NormalisedEvent,
  type ParseResult,
  type EventOrigin,
} from './model';
export { parseCanvasEvent } from './sources/canvas';
export { parseMoodleEvent, moodlePayloadSchema, type MoodlePayload } from './sources/moodle';
export { apiEventSchema, normaliseApiEvent, type ApiEventBody } from './sources/api';
