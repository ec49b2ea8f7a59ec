import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { ConfigError, loadConfig } from './config';
import { loadStandards, standardsDir } from './standards';
import type { AppContext } from './context';
import type { WorkerHost } from './queue';
import type { BackgroundTasks } from './app';
import { processLayout } from './layout';
import { superviseProcesses, type ChildRole } from './supervisor';

/**
 * Entry point. ROLE=all (embedded default) runs the web server and the workers; ROLE=web or
 * ROLE=worker run one half, as many replicas as needed, sharing PostgreSQL and Redis. Within one
 * start, WEB_PROCESSES web and WORKER_PROCESSES worker processes (src/layout.ts, default from the
 * core count) run under a supervisor (src/supervisor.ts); one process of one role runs inline.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  // Production verifies schemas and signs CLRs with the standards data: without it, checks would be
  // skipped and CLRs lose their proof, so refuse to start rather than run half-blind.
  const standards = loadStandards(standardsDir(config));
  if (config.NODE_ENV === 'production' && !standards.available) {
    process.stderr.write(`Laurel cannot start: ${standards.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  // Loaded only once the checks above pass, so a refusal comes in a fraction of a second, not after
  // loading every feature module (JSON-LD, ltijs, crypto suites).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { analyticsRecorder } = require('./analytics') as typeof import('./analytics');
  const { closeContext, createContext } = require('./context') as typeof import('./context');
  const { migrate } = require('./db') as typeof import('./db');
  const { startWorkers } = require('./queue') as typeof import('./queue');
  const { createApp, jobs, startBackgroundTasks } = require('./app') as typeof import('./app');
  const { deploymentWarnings } = require('./deployment') as typeof import('./deployment');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const ctx = createContext(config);
  const log = ctx.logger;
  // Every role migrates on start; the advisory lock makes concurrent replicas safe.
  const applied = await migrate(ctx.database.pool);
  if (applied.length) log.info({ applied }, 'migrations applied');
  // Loud and precise: an issuer whose credentials name an origin this Laurel no longer serves.
  for (const warning of await deploymentWarnings(ctx)) log.warn({ warning: warning.code }, warning.message);

  const children = cluster.isPrimary ? childrenOf(config) : [];
  if (children.length > 0) {
    await closeContext(ctx);
    log.info({ role: config.ROLE, processes: children }, 'starting processes');
    return superviseProcesses({ children, logger: log, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  }

  let server: Server | undefined;
  let workerHost: WorkerHost | undefined;
  let background: BackgroundTasks | undefined;
  if (config.ROLE !== 'worker') {
    const app = await createApp(ctx);
    server = createServer(app);
    server.keepAliveTimeout = 65_000; // above common load-balancer idle timeouts
    await new Promise<void>((resolve) => server!.listen(config.PORT, resolve));
    log.info({ port: config.PORT, baseUrl: config.BASE_URL, role: config.ROLE }, 'web listening');
  }
  if (config.ROLE !== 'web') {
    workerHost = startWorkers(ctx, { jobs });
    background = await startBackgroundTasks(ctx);
    log.info({ queues: workerHost.workers.map((w) => w.name), role: config.ROLE }, 'workers started');
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = config.SHUTDOWN_TIMEOUT_MS;
    const force = setTimeout(() => {
      log.error('shutdown timed out; exiting');
      process.exit(1);
    }, deadline + 5000);
    force.unref();
    try {
      await Promise.all([closeServer(server, deadline), workerHost?.close(deadline), background?.close()]);
      // Counters buffered in memory for up to two seconds are written before the pool closes.
      await analyticsRecorder(ctx).close();
      await closeContext(ctx);
      log.info('stopped');
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** The processes this start forks, or none when this process does the work itself. */
function childrenOf(config: ReturnType<typeof loadConfig>): ChildRole[] {
  const layout = processLayout({ cores: availableParallelism(), env: { WEB_PROCESSES: config.WEB_PROCESSES, WORKER_PROCESSES: config.WORKER_PROCESSES } });
  // Combined (no worker processes): each web process runs the jobs too.
  const web = Array<ChildRole>(layout.web).fill(layout.workers === 0 && config.ROLE === 'all' ? 'all' : 'web');
  const workers = Array<ChildRole>(layout.workers).fill('worker');
  if (config.ROLE === 'all') return layout.single ? [] : [...web, ...workers];
  const own = config.ROLE === 'web' ? web : workers;
  return own.length > 1 ? own : [];
}

/** Stops accepting connections, lets in-flight requests finish, then closes idle keep-alive sockets. */
function closeServer(server: Server | undefined, timeoutMs: number): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}

export type { AppContext };

main().catch((error) => {
  process.stderr.write(`Laurel failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
