import type { RequestHandler, Request } from 'express';
import type { Kysely } from 'kysely';
import { courseIdOf } from '../badges';
import { platformOf } from '../courses';
import { LaurelError } from '../errors';
import { apiScope, inApiScope, type ApiScope } from '../http';

/**
 * Which platform (tenant) owns an object the API names, so that a token bound to one platform never
 * reads or changes another's: an object outside the token's scope answers 404 exactly like a missing
 * one (never 403), so ids of other tenants do not leak.
 */
export type OwnedRef =
  | { course: string }
  | { achievement: string }
  | { award: string }
  | { learner: string };

type AnyDb = Kysely<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The owning platform (null: instance-wide, e.g. a manual course), or undefined when no such object exists. */
export async function ownerPlatform(db: AnyDb, ref: OwnedRef): Promise<string | null | undefined> {
  if ('course' in ref || 'learner' in ref) return platformOf(db, ref);
  // Achievements and awards belong to a course: badges knows which, courses knows its platform.
  const courseId = await courseIdOf(db, ref);
  return courseId === undefined ? undefined : platformOf(db, { course: courseId });
}

/** Throws 404 unless the object exists within the scope. Objects that do not exist are left to the use-case (its own 404). */
export async function requireInScope(db: AnyDb, scope: ApiScope, ref: OwnedRef, noun: string): Promise<void> {
  if (scope.platformId === undefined) return;
  const owner = await ownerPlatform(db, ref);
  if (owner !== undefined && !inApiScope(scope, owner)) throw new LaurelError('ERR_NOT_FOUND', `No ${noun} has this id.`);
}

/**
 * Route middleware for the API: after `requireToken` and body/query validation, refuses (404) when the
 * object the request names belongs to a platform outside the token's scope. `refOf` reads the id.
 */
export function scopedTo(db: AnyDb, noun: string, refOf: (req: Request, locals: Record<string, unknown>) => OwnedRef | undefined): RequestHandler {
  return (req, res, next) => {
    const ref = refOf(req, res.locals as Record<string, unknown>);
    if (!ref || Object.values(ref)[0] === undefined) return next();
    requireInScope(db, apiScope(res.locals.apiToken), ref, noun).then(() => next(), next);
  };
}
