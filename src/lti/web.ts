// The LTI module's HTTP adapter: ltijs behind Laurel's launch verification, mounted under /lti by the
// composition root (src/app).
import express, { type Router } from 'express';
import type { Provider as LtiProvider } from 'ltijs';
import type { Config } from '../config';
import type { Database } from '../db';
import type { Logger } from '../log';
import { deepLinkingPage, deepLinkingResponse } from './deep-linking';
import { JwksCache } from './jwks';
import { installLtijsCallbacks, launchGuard, loginGuard } from './launch-routes';
import { coursePages } from './pages';
import { platformDirectory } from './platforms';
import { createProvider } from './provider';
import { installationRoutes } from './registration-routes';
import { DEFAULT_LTI_OPTIONS, type LtiHooks, type LtiOptions, type LtiRuntime } from './runtime';
import { LtiSessions, sessionStanding, useSessions } from './session';
import { PersonSessions, usePersonSessions } from './person-session';
import { userAgentOf } from './services';
import type { PgLtiStore } from './storage';
import { publicRoute } from '../http';
import { outboundFetch } from '../outbound';

// The platform administration API (`/api/v1/platforms`), mounted at the root by src/app like createLti.
export { createPlatformsApiRouter } from './platforms-api';

/** What the LTI side needs from the application context. */
export interface LtiContext {
  config: Config;
  logger: Logger;
  database: Database;
}

export interface LtiHandle {
  /** Mount with `app.use('/lti', handle.router)` (or at `options.basePath`). */
  router: Router;
  lti: LtiProvider;
  store: PgLtiStore;
  /** Stops the purge timer and ltijs; the database belongs to the context. */
  close(): Promise<void>;
}

/**
 * Laurel's LTI 1.3 tool: ltijs (serverless, on the PostgreSQL storage plugin) behind Laurel's own launch
 * verification, sessions bound to a course, Dynamic Registration, Deep Linking and the role pages.
 */
export async function createLti(ctx: LtiContext, options: LtiOptions = {}): Promise<LtiHandle> {
  const resolved = { ...DEFAULT_LTI_OPTIONS, ...stripUndefined(options) };
  const { fetch: _fetch, hooks, ...runtimeOptions } = resolved as typeof resolved & { fetch?: typeof fetch; hooks?: LtiHooks };
  const secure = ctx.config.BASE_URL.startsWith('https:');
  const tolerance = resolved.clockToleranceSeconds;
  const { lti, store } = await createProvider({
    db: ctx.database.db,
    keyEncryptionKey: ctx.config.KEY_ENCRYPTION_KEY,
    secureCookies: secure,
    // ltijs has no clock tolerance of its own: give it the skew allowance inside the maximum age.
    tokenMaxAgeSeconds: resolved.maxTokenAgeSeconds + tolerance,
    // A nonce must outlive every token that could still carry it (see storage.ts).
    nonceTtlSeconds: resolved.maxTokenAgeSeconds + 2 * tolerance + 10,
    routes: { launch: '/launch', login: '/login', keys: '/keys', register: '/register' },
  });
  const userAgent = userAgentOf(ctx.config.BASE_URL);
  // Every call to an LMS goes through the one outbound client (addresses, https, size, time, redirects).
  const doFetch = options.fetch ?? outboundFetch(ctx.config);
  const sessions = new LtiSessions({ secret: ctx.config.SESSION_SECRET, secure });
  useSessions(sessions, sessionStanding(ctx.database.db), ctx.database.db);
  const people = new PersonSessions({ secret: ctx.config.SESSION_SECRET, secure });
  usePersonSessions(people, ctx.database.db);
  const rt: LtiRuntime = {
    config: ctx.config,
    logger: ctx.logger,
    db: ctx.database.db,
    lti,
    store,
    sessions,
    people,
    directory: platformDirectory(ctx.database.db),
    jwks: new JwksCache({ userAgent, fetch: doFetch }),
    urls: { baseUrl: ctx.config.BASE_URL, basePath: runtimeOptions.basePath },
    options: runtimeOptions,
    fetch: doFetch,
    userAgent,
    hooks: hooks ?? {},
  };
  installLtijsCallbacks(rt, deepLinkingPage(rt));
  // Routes added to ltijs's app after setup run behind its ltik/session check.
  lti.app.post('/deep-linking', deepLinkingResponse(rt));

  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '256kb' }));
  router.use(express.json({ limit: '256kb' }));
  router.use(installationRoutes(rt));
  router.use(coursePages(rt));
  router.all('/login', publicRoute('lti:launch'), loginGuard(rt));
  router.post('/launch', publicRoute('lti:launch'), launchGuard(rt));
  // ltijs's own routes (login, launch, keys, registration, deep-linking behind its ltik check) speak the LTI protocol.
  router.use(publicRoute('lti:launch'), lti.app);

  let timer: NodeJS.Timeout | undefined;
  if (resolved.purgeIntervalMs > 0) {
    timer = setInterval(() => {
      store.purgeExpired().catch((error: unknown) => ctx.logger.warn({ err: error }, 'LTI store purge failed'));
    }, resolved.purgeIntervalMs);
    timer.unref();
  }
  return {
    router,
    lti,
    store,
    async close() {
      if (timer) clearInterval(timer);
      await lti.close({ silent: true }).catch(() => undefined);
    },
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
