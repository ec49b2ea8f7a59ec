import { Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context';
import { apiRoute, idParam, pageQuery } from '../../http';
import { courseAssignments, findCourseInScope, findLearnerInScope, listCoursesPage, listLearnersPage } from '../directory';
import type { CourseTables } from '../tables';
import type { Selectable } from 'kysely';

/** `/api/v1` courses, their assignments and learners (admin scope), filtered by the token's reach. */

const iso = z.iso.datetime({ offset: true });

export const courseJsonSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  label: z.string().nullable(),
  platformId: z.uuid().nullable().describe('The LMS platform; null for a course created through the API.'),
  contextId: z.string().nullable().describe('The LTI context id.'),
  externalId: z.string().nullable(),
  lmsCourseId: z.string().nullable(),
  createdAt: iso,
});
export const assignmentJsonSchema = z.object({
  id: z.uuid().describe('Use this (or sourceKey) as a score rule\'s assignmentId.'),
  courseId: z.uuid(),
  name: z.string(),
  sourceKey: z.string().describe('The assignment as its source names it (e.g. canvas:123, moodle:item:45, api:Q2).'),
  pointsPossible: z.number().nullable(),
  dueAt: iso.nullable(),
});
export const learnerJsonSchema = z.object({
  id: z.uuid(),
  platformId: z.uuid().nullable(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  ltiUserId: z.string().nullable(),
  lmsUserId: z.string().nullable(),
  createdAt: iso,
});

const listCoursesQuery = z.strictObject({ platformId: z.uuid().optional(), q: z.string().trim().min(1).max(200).optional(), ...pageQuery });
const listLearnersQuery = z.strictObject({ courseId: z.uuid().optional(), email: z.string().trim().min(3).max(320).optional(), ...pageQuery });
const page = <S extends z.ZodType>(item: S) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

type Row<K extends keyof CourseTables> = Selectable<CourseTables[K]>;
const courseJson = (c: Row<'courses'>): z.infer<typeof courseJsonSchema> => ({
  id: c.id, title: c.title, label: c.label, platformId: c.platform_id, contextId: c.context_id, externalId: c.external_id, lmsCourseId: c.lms_course_id, createdAt: c.created_at.toISOString(),
});
const assignmentJson = (a: Row<'assignments'>): z.infer<typeof assignmentJsonSchema> => ({
  id: a.id, courseId: a.course_id, name: a.name, sourceKey: a.source_key, pointsPossible: a.points_possible === null ? null : Number(a.points_possible), dueAt: a.due_at?.toISOString() ?? null,
});
const learnerJson = (l: Row<'learners'>): z.infer<typeof learnerJsonSchema> => ({
  id: l.id, platformId: l.platform_id, name: l.name, email: l.email, ltiUserId: l.lti_user_id, lmsUserId: l.lms_user_id, createdAt: l.created_at.toISOString(),
});

export function createCoursesApiRouter(ctx: AppContext): Router {
  const router = Router();
  const db = ctx.database.db;

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/courses', tag: 'Courses', scopes: ['admin'], summary: 'List courses (cursor paging)',
    query: listCoursesQuery, responses: { 200: page(courseJsonSchema) },
  }, async ({ query, scope }) => {
    const { items, nextCursor } = await listCoursesPage(db, { ...query, scope });
    return { body: { items: items.map(courseJson), nextCursor } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/courses/:id', tag: 'Courses', scopes: ['admin'], summary: 'One course',
    params: idParam, responses: { 200: courseJsonSchema }, problems: [404],
  }, async ({ params, scope }) => ({ body: courseJson(await findCourseInScope(db, { courseId: params.id, scope })) }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/courses/:id/assignments', tag: 'Courses', scopes: ['admin'], summary: 'A course\'s assignments: the ids score rules name',
    params: idParam, responses: { 200: z.object({ items: z.array(assignmentJsonSchema) }) }, problems: [404],
  }, async ({ params, scope }) => ({ body: { items: (await courseAssignments(db, { courseId: params.id, scope })).map(assignmentJson) } }));

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/learners', tag: 'Learners', scopes: ['admin'], summary: 'List learners, of one course or by email (cursor paging)',
    query: listLearnersQuery, responses: { 200: page(learnerJsonSchema) }, problems: [404],
  }, async ({ query, scope }) => {
    const { items, nextCursor } = await listLearnersPage(db, { ...query, scope });
    return { body: { items: items.map(learnerJson), nextCursor } };
  });

  apiRoute(router, ctx, {
    method: 'get', path: '/api/v1/learners/:id', tag: 'Learners', scopes: ['admin'], summary: 'One learner and the courses they are enrolled in',
    params: idParam, responses: { 200: learnerJsonSchema.extend({ courseIds: z.array(z.uuid()) }) }, problems: [404],
  }, async ({ params, scope }) => {
    const learner = await findLearnerInScope(db, { learnerId: params.id, scope });
    return { body: { ...learnerJson(learner), courseIds: learner.courseIds } };
  });

  return router;
}
