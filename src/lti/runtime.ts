import type { PersonSessions } from './person-session';
import type { Provider as LtiProvider } from 'ltijs';
import type { Config } from '../config';
import type { Db } from '../db';
import type { Logger } from '../log';
import type { JwksCache } from './jwks';
import type { LaunchOutcome } from './launch';
import type { LtiSessions } from './session';
import type { PgLtiStore } from './storage';
import type { ToolUrls } from './tool-config';
import type { PlatformDirectory } from './verify';

/** Options of Laurel's LTI side; every field has a default. */
export interface LtiOptions {
  /** Where the router is mounted. Default `/lti`. */
  basePath?: string;
  /**
   * Oldest accepted id_token, seconds since its `iat`. Default 60: Moodle's id_tokens live 60 s and
   * ltijs's default of 10 s refuses real launches from a slow network or a slightly wrong clock.
   */
  maxTokenAgeSeconds?: number;
  /** Tolerated clock difference with platforms, seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** How often expired nonces, states and tokens are purged, ms. Default 30 000; 0 disables the timer. */
  purgeIntervalMs?: number;
  /** Injected for tests: the HTTP client for platform calls (registration, JWKS, services). */
  fetch?: typeof fetch;
  /** What other modules do at LTI moments (the events module settles parked events at launch). */
  hooks?: LtiHooks;
}

/**
 * Callbacks into other modules, so LTI does not import them. Each runs before the page it precedes
 * is opened; a failing hook is logged and the person still gets their page.
 */
export interface LtiHooks {
  /** After a launch is recorded and its session issued, before the redirect to the role's page. */
  afterLaunch?(outcome: LaunchOutcome): Promise<void>;
  /** After the instructor's roster sync recorded the course's members. */
  afterRosterSync?(props: { platformId: string; courseId: string }): Promise<void>;
}

export type ResolvedLtiOptions = Required<Omit<LtiOptions, 'fetch' | 'hooks'>>;

export const DEFAULT_LTI_OPTIONS: ResolvedLtiOptions = { basePath: '/lti', maxTokenAgeSeconds: 60, clockToleranceSeconds: 30, purgeIntervalMs: 30_000 };

/** Everything the LTI routes share, built once by `createLti`. */
export interface LtiRuntime {
  config: Config;
  logger: Logger;
  db: Db;
  lti: LtiProvider;
  store: PgLtiStore;
  sessions: LtiSessions;
  /** Sessions of a person across courses (Canvas account navigation, reach's "My badges"). */
  people?: PersonSessions;
  directory: PlatformDirectory;
  jwks: JwksCache;
  urls: ToolUrls;
  options: ResolvedLtiOptions;
  fetch: typeof fetch;
  /** Sent on every call to a platform (Canvas requires one). */
  userAgent: string;
  hooks: LtiHooks;
}
