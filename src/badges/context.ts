import type { AppContext } from '../context';
import { createCredentialPort } from './credentials-port';
import type { BadgesDeps } from './deps';
import type { CredentialPort } from './port';

type PortFactory = (ctx: AppContext) => CredentialPort;

const realEngine: PortFactory = (ctx) => createCredentialPort({ db: ctx.database.db, config: ctx.config });
let portFactory: PortFactory = realEngine;
const cache = new WeakMap<AppContext, BadgesDeps>();

/**
 * The badges dependencies of one process context, built once (one signer, one verifier): routers
 * and jobs call this instead of wiring the credentials engine themselves.
 */
export function badgesDepsFor(ctx: AppContext): BadgesDeps {
  let deps = cache.get(ctx);
  if (!deps) {
    deps = { db: ctx.database.db, credentials: portFactory(ctx), baseUrl: ctx.config.BASE_URL, events: { db: ctx.database.db, queues: ctx.queues, logger: ctx.logger } };
    cache.set(ctx, deps);
  }
  return deps;
}

/**
 * Tests only: replaces the credentials engine for contexts created afterwards (pass nothing to go
 * back to the real one). Production always runs the real engine.
 */
export function useCredentialPort(factory?: PortFactory): void {
  portFactory = factory ?? realEngine;
}
