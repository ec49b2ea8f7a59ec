import type { IncomingMessage } from 'node:http';

/** Paths any LMS may frame: the Dynamic Registration page opens inside the LMS before we know it. */
const OPEN_FRAMING = [/^\/lti\/register(\/|$)/];

/** A registered platform's web addresses, as the platform registry (src/courses) answers them. */
export interface FramingPlatform {
  issuer: string;
  authEndpoint: string;
  lms: string;
}

/**
 * The port the composition root fills: the platforms (not disabled) that may frame Laurel. The kit
 * knows no feature, so it asks through this function rather than reading the registry's tables.
 */
export type FramingPlatforms = () => Promise<readonly FramingPlatform[]>;

export interface FrameAncestorsOptions {
  /** FRAME_ANCESTORS from the configuration, space separated. */
  configured: string;
  /** How long the platform origins are cached. Default one minute. */
  refreshMs?: number;
}

/**
 * Who may frame Laurel: the configured origins plus the web origins of every registered platform
 * (its issuer and authorization endpoint: Moodle's issuer is the site itself), so an admin who
 * registers an LMS does not also have to edit FRAME_ANCESTORS. Hosted Canvas frames tools from the
 * school's own *.instructure.com host, which differs from its issuer, so that wildcard is added once
 * a hosted Canvas is registered.
 */
export class FrameAncestors {
  private readonly configured: string[];
  private readonly refreshMs: number;
  private platformOrigins: string[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly platforms: FramingPlatforms | undefined,
    options: FrameAncestorsOptions,
  ) {
    this.configured = options.configured.split(/\s+/).filter(Boolean);
    this.refreshMs = options.refreshMs ?? 60_000;
  }

  /** The directive value for a request; refreshes the cache in the background when stale. */
  forRequest(req: IncomingMessage): string {
    const path = (req.url ?? '/').split('?')[0]!;
    if (OPEN_FRAMING.some((pattern) => pattern.test(path))) return '*';
    if (Date.now() - this.loadedAt > this.refreshMs) void this.refresh();
    return [...new Set([...this.configured, ...this.platformOrigins])].join(' ');
  }

  /** Reloads platform origins now (after a registration, and on a timer through forRequest). */
  refresh(): Promise<void> {
    if (!this.platforms) return Promise.resolve();
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    try {
      const rows = await this.platforms!();
      const origins = new Set<string>();
      for (const row of rows) {
        for (const url of [row.issuer, row.authEndpoint]) {
          const origin = originOf(url);
          if (origin) origins.add(origin);
        }
        if (row.lms === 'canvas' && /(^|\.)instructure\.com$/.test(new URL(row.issuer).hostname)) origins.add('https://*.instructure.com');
      }
      this.platformOrigins = [...origins];
    } catch {
      // Keep the last known origins; the database outage shows on /readyz.
    } finally {
      this.loadedAt = Date.now();
    }
  }
}

function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return /^https?:$/.test(parsed.protocol) ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}
