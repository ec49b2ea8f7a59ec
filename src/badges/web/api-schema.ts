import { z } from 'zod';
import { alignmentSchema, evidenceSchema, ruleSchema } from '../schema';

/** Response bodies of the badges API: what `present.ts` builds, described for OpenAPI and checked by its test. */

const iso = z.iso.datetime({ offset: true });

export const achievementJsonSchema = z.object({
  id: z.uuid(),
  url: z.string().describe('The public OB 3.0 Achievement document.'),
  courseId: z.uuid(),
  issuerId: z.string(),
  name: z.string(),
  description: z.string(),
  criteria: z.object({ narrative: z.string() }),
  image: z.string(),
  colors: z.object({ primary: z.string(), secondary: z.string().optional() }).optional(),
  alignment: z.array(alignmentSchema),
  requiredPercent: z.number().nullable(),
  validForDays: z.int().nullable(),
  rule: ruleSchema.nullable(),
  ruleVersion: z.int(),
  status: z.enum(['draft', 'published', 'archived']),
  createdAt: iso,
});

const awardStatus = z.enum(['issued', 'revoked', 'expired']);
const learnerRef = z.object({ id: z.uuid(), email: z.string().nullable(), name: z.string().nullable() });

export const awardJsonSchema = z.object({
  id: z.uuid(),
  achievementId: z.uuid(),
  courseId: z.uuid(),
  status: awardStatus,
  credentialId: z.uuid().nullable().describe('null until the credential is signed (moments after the award).'),
  credentialUrl: z.string().nullable(),
  score: z.number().nullable(),
  evidence: z.array(evidenceSchema),
  visibility: z.enum(['public', 'private']),
  awardedAt: iso,
  expiresAt: iso.nullable(),
  revokedAt: iso.nullable(),
  revokedReason: z.string().nullable(),
  learner: learnerRef,
});

export const awardListItemSchema = z.object({
  id: z.uuid(),
  achievementId: z.uuid(),
  courseId: z.uuid(),
  status: awardStatus,
  credentialId: z.uuid().nullable(),
  score: z.number().nullable(),
  awardedAt: iso,
  learner: learnerRef,
});

export const revokedAwardSchema = z.object({
  id: z.uuid(),
  achievementId: z.uuid(),
  status: awardStatus,
  credentialId: z.uuid().nullable(),
  revokedAt: iso,
  revokedReason: z.string(),
});

export const createdCourseSchema = z.object({ id: z.uuid(), title: z.string(), externalId: z.string().nullable() });
