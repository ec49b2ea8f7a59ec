import type { RequestHandler, Response } from 'express';
import { LaurelError } from '../errors';
import { decide, type Permission, type Principal, type Subject } from '../policies';

/**
 * Every route declares the permission it needs by carrying a handler tagged with it: the guards
 * (`requireToken`, `requireCourseRole`, `requireOperator`, `permit`) tag themselves, and public
 * routes say so with `publicRoute`. test/security/route-permissions.test.ts walks the real app and
 * fails on a route that declares nothing.
 */
export interface Declared {
  permission: Permission;
}

export function declare<H extends RequestHandler>(handler: H, permission: Permission): H & Declared {
  return Object.assign(handler, { permission });
}

export function declaredPermission(handler: unknown): Permission | undefined {
  return typeof handler === 'function' ? (handler as Partial<Declared>).permission : undefined;
}

/**
 * A route anyone may call: public documents (`public:read`), the LTI protocol endpoints (`lti:launch`),
 * signed event deliveries (`events:deliver`). Runs nothing; it is the declaration.
 */
export function publicRoute(permission: 'public:read' | 'lti:launch' | 'events:deliver' | 'credential:exchange' = 'public:read'): RequestHandler & Declared {
  return declare((_req, _res, next) => next(), permission);
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** Who is asking, set by the authentication middleware of the route (LTI session, token, operator session). */
      principal?: Principal;
    }
  }
}

/**
 * Refuses unless the request's principal (set by an earlier authentication step) holds `permission`
 * on the subject (by default: the principal's own platform). A refusal is 403 with the policy's reason.
 */
export function permit(permission: Permission, subjectOf: (res: Response) => Subject = () => ({})): RequestHandler & Declared {
  return declare((_req, res, next) => {
    const principal = res.locals.principal ?? { kind: 'anonymous' as const };
    const decision = decide(principal, permission, subjectOf(res));
    if (!decision.allowed) return next(new LaurelError('ERR_FORBIDDEN', decision.reason));
    next();
  }, permission);
}
