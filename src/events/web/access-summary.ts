import type { Logger } from '../../log';

/**
 * The access log of the signed intake routes, aggregated: one info line per route and window
 * (requests by status, mean and slowest answer) instead of one line per request. At thousands of
 * deliveries a second a line each would cost more than the delivery, and the inbox row is already
 * each accepted event's durable record. Every refusal still gets its own warn line (logProblem).
 */
export class AccessSummary {
  private windows = new Map<string, { statuses: Record<string, number>; requests: number; totalMs: number; maxMs: number }>();
  private timer: NodeJS.Timeout | undefined;
  private since = 0;

  constructor(
    private readonly logger: Pick<Logger, 'info'>,
    private readonly options: { windowMs: number },
  ) {}

  add(props: { route: string; status: number; seconds: number }): void {
    let window = this.windows.get(props.route);
    if (!window) {
      window = { statuses: {}, requests: 0, totalMs: 0, maxMs: 0 };
      this.windows.set(props.route, window);
    }
    const ms = props.seconds * 1000;
    window.requests++;
    window.totalMs += ms;
    if (ms > window.maxMs) window.maxMs = ms;
    window.statuses[props.status] = (window.statuses[props.status] ?? 0) + 1;
    if (!this.timer) {
      this.since = Date.now();
      // Unref'd: a quiet process may exit without waiting for the last window.
      this.timer = setTimeout(() => this.flush(), this.options.windowMs).unref();
    }
  }

  /** Writes and resets the current window (also called by the timer). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const seconds = Math.max(0.001, (Date.now() - this.since) / 1000);
    for (const [route, w] of this.windows) {
      this.logger.info(
        { route, windowSeconds: Math.round(seconds * 10) / 10, requests: w.requests, perSecond: Math.round(w.requests / seconds), statuses: w.statuses, meanMs: Math.round((w.totalMs / w.requests) * 10) / 10, maxMs: Math.round(w.maxMs) },
        'intake access summary',
      );
    }
    this.windows.clear();
  }
}
