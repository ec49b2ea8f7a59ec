import type { Express } from 'express';
import { declaredPermission } from '../../src/http';
import type { Permission } from '../../src/policies';

/** One route of the app as express holds it, with the permissions declared on its way. */
export interface AppRoute {
  method: string;
  path: string;
  permissions: Permission[];
}

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Layer[] };
  handle: ((...args: unknown[]) => unknown) & { stack?: Layer[]; _router?: { stack: Layer[] } };
  regexp?: RegExp;
  keys?: Array<{ name: string }>;
}

/** `^\/lti\/courses(?:\/([^/]+?))\/?(?=\/|$)` → `/lti/courses/:courseId`, for readable failures. */
function mountPath(layer: Layer): string {
  const source = layer.regexp?.source ?? '';
  if (source === '^\\/?(?=\\/|$)' || source === '^\\/?$') return '';
  let i = 0;
  return source.replace(/^\^/, '').replace(/\\\/\?\(\?=\\\/\|\$\)$/, '').replace(/\(\?:\\\/\(\[\^\/\]\+\?\)\)/g, () => `/:${layer.keys?.[i++]?.name ?? 'param'}`).replace(/\\\//g, '/');
}

/**
 * Every route of the real app. A `use` layer that declares a permission (a router-level guard such as
 * `router.use(requireCourseRole('admin'))`) covers the routes after it in the same router.
 */
export function appRoutes(app: Express): AppRoute[] {
  const routes: AppRoute[] = [];
  const walk = (stack: Layer[], prefix: string, inherited: Permission[]) => {
    let covering = [...inherited];
    for (const layer of stack) {
      if (layer.route) {
        const own = layer.route.stack.map((l) => declaredPermission(l.handle)).filter((p): p is Permission => Boolean(p));
        const methods = Object.keys(layer.route.methods).length > 8 ? ['_all'] : Object.keys(layer.route.methods);
        for (const method of methods) routes.push({ method: method.toUpperCase(), path: `${prefix}${layer.route.path}`, permissions: [...covering, ...own] });
      } else if (layer.handle.stack || layer.handle._router) {
        // A sub-router, or a sub-application (ltijs's own express app under /lti).
        walk(layer.handle.stack ?? layer.handle._router!.stack, `${prefix}${mountPath(layer)}`, covering);
      } else {
        const declared = declaredPermission(layer.handle);
        if (declared) covering = [...covering, declared];
        else if (layer.handle.name === 'router') routes.push({ method: 'USE', path: `${prefix}${mountPath(layer)}`, permissions: covering });
      }
    }
  };
  walk((app as unknown as { _router: { stack: Layer[] } })._router.stack, '', []);
  return routes;
}
