import { z } from 'zod';
import type { ScoreEvent } from '../model';

/** `POST /api/v1/events` (DESIGN section 7). A repeated `id` is acknowledged and ignored. */
export const apiEventSchema = z
  .object({
    id: z.string().trim().min(1).max(200),
    /** Laurel course id (from `POST /courses` or an LTI course). */
    courseId: z.uuid(),
    learner: z
      .object({ id: z.string().trim().min(1).max(200).optional(), email: z.email().max(320).optional(), name: z.string().max(500).optional() })
      .refine((l) => l.id !== undefined || l.email !== undefined, { message: 'learner needs an id or an email' }),
    assignment: z.object({ id: z.string().trim().min(1).max(200), name: z.string().max(500).optional() }),
    scoreGiven: z.number().finite().nullable(),
    scoreMaximum: z.number().finite().nonnegative().nullable(),
    occurredAt: z.iso.datetime({ offset: true }),
    excused: z.boolean().optional(),
  })
  .strict();

export type ApiEventBody = z.infer<typeof apiEventSchema>;

export function normaliseApiEvent(body: ApiEventBody): ScoreEvent {
  return {
    type: 'score',
    origin: 'api',
    externalId: body.id,
    occurredAt: new Date(body.occurredAt).toISOString(),
    course: { courseId: body.courseId },
    learner: {
      ...(body.learner.id ? { lmsUserId: body.learner.id } : {}),
      ...(body.learner.email ? { email: body.learner.email } : {}),
      ...(body.learner.name ? { name: body.learner.name } : {}),
    },
    assignment: { sourceKey: `api:${body.assignment.id}`, externalId: body.assignment.id, name: body.assignment.name ?? null },
    scoreGiven: body.scoreGiven,
    scoreMaximum: body.scoreMaximum,
    excused: body.excused ?? false,
    missing: false,
  };
}
