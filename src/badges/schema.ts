import { z } from 'zod';
import { ruleNodeSchema, type RuleNode } from '../rules';

/** Rules (DESIGN section 7) are modelled and validated by src/rules; depth is checked by parseRuleNode. */
export type RuleSpec = RuleNode;
export const ruleSchema = ruleNodeSchema;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);
const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1a2b3c');

export const alignmentSchema = z.strictObject({
  targetName: z.string().min(1).max(300),
  targetUrl: httpUrl,
  targetFramework: z.string().max(300).optional(),
  targetCode: z.string().max(100).optional(),
  targetDescription: z.string().max(2000).optional(),
  targetType: z.string().max(100).optional(),
});

export const evidenceSchema = z.strictObject({
  id: httpUrl.optional(),
  name: z.string().min(1).max(300),
  description: z.string().max(2000).optional(),
  narrative: z.string().max(4000).optional(),
  genre: z.string().max(100).optional(),
});

/** 512 KiB of image, base64 in a data URI: enough for a badge, small enough for a JSON body. */
const MAX_IMAGE_DATA_URI = 700_000;
/** An https URL, or a `data:image/png|svg+xml;base64,...` URI of an uploaded image. */
export const imageSchema = z.union([
  httpUrl,
  z.string().max(MAX_IMAGE_DATA_URI).regex(/^data:image\/(png|svg\+xml);base64,[A-Za-z0-9+/]+=*$/, 'must be an http(s) URL or a base64 PNG/SVG data URI'),
]);

export const createCourseBody = z.strictObject({
  title: z.string().trim().min(1).max(300),
  externalId: z.string().trim().min(1).max(200).optional(),
});
export type CreateCourseBody = z.infer<typeof createCourseBody>;

export const createAchievementBody = z.strictObject({
  courseId: z.uuid(),
  name: z.string().trim().min(1).max(200),
  description: z.string().trim().min(1).max(4000),
  criteria: z.strictObject({ narrative: z.string().trim().min(1).max(8000) }),
  image: imageSchema.optional(),
  colors: z.strictObject({ primary: hexColor, secondary: hexColor.optional() }).optional(),
  alignment: z.array(alignmentSchema).max(20).optional(),
  /** ResultDescription threshold; defaults to the rule's minPercent when the rule is a single score rule. */
  requiredPercent: z.number().min(0).max(100).optional(),
  validForDays: z.int().min(1).max(36500).optional(),
  rule: ruleSchema.optional(),
  status: z.enum(['draft', 'published']).optional(),
});
export type CreateAchievementBody = z.infer<typeof createAchievementBody>;

export const listAchievementsQuery = z.object({ courseId: z.uuid().optional(), status: z.enum(['draft', 'published', 'archived']).optional() });

export const createAwardBody = z.strictObject({
  achievementId: z.uuid(),
  recipient: z.strictObject({ email: z.email().max(320), name: z.string().trim().min(1).max(200).optional() }).optional()
    .describe('Who receives it, by email (they become a learner of the course). Give this or learnerId.'),
  learnerId: z.uuid().optional().describe('A learner already enrolled in the course (the roster award of the badge page). Give this or recipient.'),
  score: z.number().min(0).max(1000).optional(),
  evidence: z.union([evidenceSchema.transform((e) => [e]), z.array(evidenceSchema).max(20)]).optional(),
  visibility: z.enum(['public', 'private']).optional(),
}).refine((body) => (body.recipient === undefined) !== (body.learnerId === undefined), { message: 'give either recipient or learnerId', path: ['recipient'] });
export type CreateAwardBody = z.infer<typeof createAwardBody>;

export const listAwardsQuery = z.object({
  courseId: z.uuid().optional(),
  achievementId: z.uuid().optional(),
  learnerId: z.uuid().optional(),
  status: z.enum(['issued', 'revoked', 'expired']).optional(),
});

export const revokeAwardBody = z.strictObject({ reason: z.string().trim().min(1).max(1000) });

/** Payload of the `issue` job (BullMQ stores it as JSON). */
export const issueCredentialPayload = z.strictObject({ awardId: z.uuid() });
export type IssueCredentialPayload = z.infer<typeof issueCredentialPayload>;
