import cluster, { type Worker } from 'node:cluster';
import type { Logger } from './log';

/** `all`: a web process that runs the jobs too (the combined layout, WORKER_PROCESSES=0). */
export type ChildRole = 'web' | 'worker' | 'all';

/**
 * Runs one child process per entry of `children` (node:cluster, so web children share the listening
 * port) and keeps them running: a child that dies unexpectedly is restarted after a short backoff
 * (its in-flight jobs are retried by BullMQ, its unanswered requests were never acknowledged, so
 * nothing is lost). SIGTERM/SIGINT are passed on and the supervisor exits when every child has.
 */
export function superviseProcesses(props: { children: ChildRole[]; logger: Logger; shutdownTimeoutMs: number }): Promise<void> {
  const { logger } = props;
  let stopping = false;
  const restarts = new Map<number, number>();
  const roles = new Map<Worker, { role: ChildRole; slot: number }>();

  const fork = (role: ChildRole, slot: number) => {
    const child = cluster.fork({ ROLE: role, WEB_PROCESSES: '1', WORKER_PROCESSES: '1' });
    roles.set(child, { role, slot });
  };

  cluster.on('exit', (child, code, signal) => {
    const entry = roles.get(child);
    roles.delete(child);
    if (!entry || stopping) {
      if (stopping && roles.size === 0) process.exit(0);
      return;
    }
    const n = (restarts.get(entry.slot) ?? 0) + 1;
    restarts.set(entry.slot, n);
    const delay = Math.min(30_000, 250 * 2 ** Math.min(n, 7));
    logger.error({ role: entry.role, code, signal, restartInMs: delay }, 'process exited; restarting');
    setTimeout(() => !stopping && fork(entry.role, entry.slot), delay).unref();
  });
  // A child that stayed up for a minute has recovered: its next crash restarts quickly again.
  setInterval(() => restarts.clear(), 60_000).unref();

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping processes');
    for (const child of roles.keys()) child.process.kill(signal);
    if (roles.size === 0) process.exit(0);
    setTimeout(() => {
      logger.error('processes did not stop in time; exiting');
      process.exit(1);
    }, props.shutdownTimeoutMs + 10_000).unref();
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));

  props.children.forEach((role, slot) => fork(role, slot));
  return new Promise(() => undefined);
}
