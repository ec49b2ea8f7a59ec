import type { AppContext } from '../context';
import type { BadgesDeps } from './deps';
import type { CredentialPort } from './port';

type PortFactory = (ctx: AppContext) => CredentialPort;

let portFactory: PortFactory | undefined;
const cache = new WeakMap<AppContext, BadgesDeps>();

/**
 * The badges dependencies of one process context, built once: routers and jobs call this instead of
 * wiring the credentials engine themselves.
 */
export function badgesDepsFor(ctx: AppContext): BadgesDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    if (!portFactory) throw new TypeError('badges: no credentials engine registered (call useCredentialPort first)');
    deps = { db: ctx.database.db, credentials: portFactory(ctx), baseUrl: ctx.config.BASE_URL };
    cache.set(ctx, deps);
  }
  return deps;
}

/** Chooses how a context's CredentialPort is made (the real engine by default). */
export function useCredentialPort(factory: PortFactory): void {
  portFactory = factory;
}
