import { z } from 'zod';

/** `GET /api/v1/courses/:courseId/analytics` path parameters. */
export const analyticsParams = z.object({ courseId: z.uuid() });

/** Its query: `days` (1-365, default 30) and optionally one `achievementId` of the course. */
export const analyticsQuery = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
  achievementId: z.uuid().optional(),
});
export type AnalyticsQuery = z.infer<typeof analyticsQuery>;

/** `GET /credentials/:id/linkedin` path parameter. */
export const credentialParams = z.object({ id: z.uuid() });
