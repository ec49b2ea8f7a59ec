import { z } from 'zod';

/** `reach.gradebook`: bring one learner's Laurel column up to date. */
export const gradebookPayload = z.strictObject({ courseId: z.uuid(), learnerId: z.uuid() });
export type GradebookPayload = z.infer<typeof gradebookPayload>;

/** `reach.email`: tell the learner of one issued award. */
export const emailPayload = z.strictObject({ awardId: z.uuid() });
export type EmailPayload = z.infer<typeof emailPayload>;

/** Instructor's switch for gradebook feedback (course page form). */
export const gradebookSettingBody = z.object({ gradebookFeedback: z.enum(['on', 'off']) });

/** The learner's email choice (learner page form). */
export const emailPreferenceBody = z.object({ email: z.enum(['on', 'off']) });

/** RFC 8058 one-click body: exactly `List-Unsubscribe=One-Click`; a form post from our page may carry nothing else. */
export const oneClickBody = z.object({ 'List-Unsubscribe': z.literal('One-Click').optional() }).passthrough();

/** Moodle plugin reads (HMAC-signed GETs). */
export const moodleBadgesQuery = z.object({ course: z.string().regex(/^\d{1,18}$/).optional() });
export const moodleUserParam = z.string().regex(/^\d{1,18}$/);
export const moodleNotificationsQuery = z.object({ after: z.string().max(100).optional() });
