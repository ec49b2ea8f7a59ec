import { z } from 'zod';

/** Every setting Laurel reads from its environment. Defaults fit the embedded `npm start` mode. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Which half of Laurel this process runs: `all` (web + workers, the embedded default), `web` or `worker`. */
  ROLE: z.enum(['all', 'web', 'worker']).default('all'),
  /**
   * Process layout of `npm start` (src/layout.ts): how many web and worker processes the ROLE runs.
   * Unset: from the core count (one process on one core; else half the cores serve HTTP, the rest
   * run jobs). ROLE=web runs WEB_PROCESSES web processes, ROLE=worker WORKER_PROCESSES workers.
   * WORKER_PROCESSES=0 (ROLE=all): no worker processes, the web processes run the jobs too.
   */
  WEB_PROCESSES: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(64).optional()),
  WORKER_PROCESSES: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(64).optional()),
  /** HTTP port of the web role. */
  PORT: z.coerce.number({ error: 'must be a port number from 1 to 65535' }).int().min(1).max(65535, 'must be a port number from 1 to 65535').default(3000),
  /** Public origin of Laurel as LMSs and browsers reach it; issuer ids and credential URLs derive from it. */
  BASE_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000').transform((u) => u.replace(/\/+$/, '')),
  /** PostgreSQL connection string (system of record). */
  /** The default issuer's name on new installs (the institution); an admin can change it later in the console. */
  ISSUER_NAME: z.preprocess((v) => (v === '' ? undefined : v), z.string().max(200).optional()),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  /** Size of the PostgreSQL pool per process. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Redis connection string (BullMQ queues, rate limits). */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }),
  /** Prefix of every BullMQ key, so several Laurels can share one Redis. */
  QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]{1,40}$/i).default('laurel'),
  /** Secret for signing session cookies; at least 32 characters. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  /** Key-encryption key for private signing keys at rest: 32 bytes, base64. */
  KEY_ENCRYPTION_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes encoded as base64'),
  /**
   * Secret that `/lti/register` requires as `?key=`: without it anyone on the internet could register an
   * LMS and make Laurel fetch the URL they name. Unset (or empty) leaves Dynamic Registration open, as
   * installs made before the setting existed; `npm run setup` writes one. Admins see the full URL in the
   * admin console and with `laurel platform registration-url`.
   */
  REGISTRATION_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(16, 'must be at least 16 characters').optional()),
  /**
   * `auto` (default): a dynamically registered LMS accepts launches at once. `manual`: it is created
   * `pending` and refused until an administrator activates it (admin console, or `laurel platform activate ID`).
   */
  REGISTRATION_APPROVAL: z.enum(['auto', 'manual'], { error: 'must be auto or manual' }).default('auto'),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Origins allowed to frame Laurel (CSP frame-ancestors), space separated; the LMS origins. */
  FRAME_ANCESTORS: z.string().default("'self'"),
  /** Express `trust proxy` setting: number of hops or `false`. Needed behind a load balancer for HTTPS cookies. */
  TRUST_PROXY: z
    .string()
    .regex(/^(false|true|\d+)$/, 'must be false, true or a hop count')
    .default('false')
    .transform((v) => (v === 'false' ? false : v === 'true' ? true : Number(v))),
  /** Requests per minute per client address on public endpoints (verify, credentials, events). */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** How long shutdown waits for in-flight requests and jobs before closing anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000),
  /** How often the worker role looks for accepted events that never reached the queue (Redis was down, a web replica died). */
  EVENT_RELAY_INTERVAL_MS: z.coerce.number().int().min(100).default(30000),
  /** How old an unqueued event must be before the relay re-enqueues it. */
  EVENT_RELAY_GRACE_MS: z.coerce.number().int().min(0).default(60000),
  /** Concurrency of each BullMQ worker in this process. */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /**
   * Jobs in flight on the issue queue per worker process. Higher than WORKER_CONCURRENCY because an
   * issue job mostly waits (for a signing thread, for its batch's statement), and more in flight
   * make bigger batches: one status range, one read and one insert for many credentials.
   */
  ISSUE_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
  /** Where course transcript exports are written (relative to the project). Default `.data/exports`. */
  TRANSCRIPTS_EXPORT_DIR: z.string().min(1).optional(),
  /** How long an export can be downloaded; its files are then deleted. */
  TRANSCRIPTS_EXPORT_TTL_HOURS: z.coerce.number().positive().max(24 * 30, 'must be at most 720 hours').default(24),
  /** Learners read and signed per batch by an export. */
  TRANSCRIPTS_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(50),
  /**
   * Worker threads that sign badge credentials (0 = on the calling thread). Signing is CPU-bound; on
   * threads it stays off the event loop that answers requests and reads the database. Default: the
   * cores, at most 4 (0 when running from TypeScript sources, where no thread entry point exists).
   */
  ISSUE_SIGN_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  /** Worker threads that sign CLRs (0 = in the calling thread). Default: the cores, at most 4. */
  TRANSCRIPTS_SIGN_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  /**
   * The standards data cache (OB 3.0 / CLR 2.0 JSON Schemas, CLR 2.0.1 context; `laurel standards fetch`
   * fills it, checked against pinned hashes). Relative to the project. Default `.data/standards`.
   * Production refuses to start without it; elsewhere schema checks then say "not checked".
   */
  STANDARDS_DIR: z.string().min(1).optional(),
  // Reach (src/reach): learner email.
  /**
   * SMTP server for learner email, as a URL: `smtp://user:pass@host:587` (STARTTLS when offered) or
   * `smtps://user:pass@host:465`. Unset: outside production mails are written as `.eml` files to
   * MAIL_CAPTURE_DIR (nothing is started); in production no email is sent and a warning says so.
   */
  SMTP_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^smtps?$/, error: 'must be smtp://... or smtps://...' }).optional()),
  /** The From of learner email (a mailbox the institution answers, or a no-reply address). */
  MAIL_FROM: z.string().min(3).max(320).default('Laurel <laurel@localhost>'),
  /** Where mails go without SMTP_URL outside production (relative to the project). Default `.data/mail`. */
  MAIL_CAPTURE_DIR: z.string().min(1).optional(),
  /** `on` (default): learners get an email when a badge is issued (they can turn it off). `off`: none. */
  EMAIL_NOTIFICATIONS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  /**
   * Hosts Laurel may call although they resolve to private addresses (a self-hosted LMS on the campus
   * network), comma separated. Every other private, link-local or loopback address is refused in production.
   */
  OUTBOUND_ALLOWED_PRIVATE_HOSTS: z.string().default('').transform((v) => v.split(/[\s,]+/).map((h) => h.trim().toLowerCase()).filter(Boolean)),
}).superRefine((config, ctx) => {
  // Safe defaults (issue 15): open Dynamic Registration lets a stranger register their own "LMS",
  // launch as its administrator and make Laurel fetch URLs they choose. Production refuses to start so.
  if (config.NODE_ENV === 'production' && !config.REGISTRATION_KEY) {
    ctx.addIssue({ code: 'custom', path: ['REGISTRATION_KEY'], message: 'is required when NODE_ENV=production (generate one: openssl rand -base64 24), so that only LMS administrators you give the registration URL can register' });
  }
});

export type Config = z.infer<typeof configSchema>;
